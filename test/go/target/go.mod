module rcatarget

go 1.19
