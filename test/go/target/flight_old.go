//go:build !go1.25

package main

import (
	"errors"
	"net/http"
)

func startFlightRecorder() (http.HandlerFunc, error) {
	return nil, errors.New("the flight recorder needs Go 1.25 or later")
}
