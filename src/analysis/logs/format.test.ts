import { describe, expect, it } from 'vitest';
import { parseFormat, splitLine } from './format.js';

const fmt = (s: string) => {
  const r = parseFormat(s);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('Loghub header notation', () => {
  it('takes a line apart into its fields', () => {
    const f = fmt('<Date> <Time> <Pid> <Level> <Component>: <Content>');
    expect(f.fields).toEqual(['Date', 'Time', 'Pid', 'Level', 'Component', 'Content']);
    expect(splitLine(f, '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating')).toEqual({
      Date: '081109',
      Time: '203615',
      Pid: '148',
      Level: 'INFO',
      Component: 'dfs.DataNode$PacketResponder',
      Content: 'PacketResponder 1 for block blk_38865049064139660 terminating',
    });
  });

  it('reads the text between fields as a pattern, as Loghub writes it (escapes, optional groups, pipes)', () => {
    const linux = fmt('<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>');
    expect(splitLine(linux, 'Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown')).toMatchObject({ Component: 'sshd(pam_unix)', PID: '19939', Content: 'check pass; user unknown' });
    expect(splitLine(linux, 'Jun 15 04:06:18 combo syslogd 1.4.1: restart.')).toMatchObject({ Component: 'syslogd 1.4.1', PID: '', Content: 'restart.' });
    const zk = fmt('<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>');
    expect(splitLine(zk, '2015-07-29 19:04:29,071 - WARN  [SendWorker:188978561024:QuorumCnxManager$SendWorker@688] - Send worker leaving thread')).toMatchObject({ Level: 'WARN', Id: '688', Content: 'Send worker leaving thread' });
    const health = fmt('<Time>\\|<Component>\\|<Pid>\\|<Content>');
    expect(splitLine(health, '20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579')).toMatchObject({ Component: 'Step_LSC', Content: 'onStandStepChanged 3579' });
  });

  it('lets a run of spaces match a run of whitespace, and needs the whole line to match', () => {
    const win = fmt('<Date> <Time>, <Level>                  <Component>    <Content>');
    expect(splitLine(win, '2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack')).toMatchObject({ Level: 'Info', Component: 'CBS', Content: 'Loaded Servicing Stack' });
    const android = fmt('<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>');
    expect(splitLine(android, '03-17 16:13:38.819  1702  8671 D PowerManagerService: acquire lock=233570404')).toMatchObject({ Tid: '8671', Content: 'acquire lock=233570404' });
    expect(splitLine(fmt('\\[<Time>\\] \\[<Level>\\] <Content>'), 'no brackets here')).toBeUndefined();
  });

  it('fails fast on a long line that does not have the format', () => {
    const f = fmt('<Date> <Time> <Pid> <Level> <Component>: <Content>');
    const line = Array.from({ length: 2000 }, (_, i) => `word${i}`).join(' ');
    const t0 = performance.now();
    expect(splitLine(f, line)).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('says what is wrong with a bad notation in one line', () => {
    expect(parseFormat('just text')).toMatchObject({ ok: false, error: expect.stringMatching(/no <Field>/) });
    expect(parseFormat('<Date> <Time>')).toMatchObject({ ok: false, error: expect.stringMatching(/no <Content> field/) });
    expect(parseFormat('<Date> <Date> <Content>')).toMatchObject({ ok: false, error: expect.stringMatching(/<Date> appears twice/) });
    const bad = parseFormat('<Date> (<Content>');
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/not a valid pattern/) });
    if (!bad.ok) expect(bad.error).not.toMatch(/\n/);
  });
});
