package traces

import (
	"encoding/json"
	"errors"
	"fmt"
)

// validator checks a trace line by line: the envelope's checks, then the
// format's Checker. Read and Validate share it, so a Trace built in memory
// and the same trace read from a file are judged alike.
type validator[H, S any] struct {
	f    Format[H, S]
	c    Checker[H, S]
	file string
	run  Run
	n    int   // steps seen
	time int64 // time of the last step
}

func (v *validator[H, S]) errf(line, step int, err error, format string, args ...any) *ParseError {
	return &ParseError{File: v.file, Line: line, Step: step, Reason: fmt.Sprintf(format, args...), Err: err}
}

// checkKeys reports the first required key missing from the JSON object
// raw (which is known to be syntactically valid).
func checkKeys(raw []byte, keys []string) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", err
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return k, nil
		}
	}
	return "", nil
}

// header validates h, found on line 1.
func (v *validator[H, S]) header(h *H) *ParseError {
	const line = 1
	hd, run := v.f.Head(h)
	if hd.Format != FormatName {
		return v.errf(line, 0, nil, "format is %q, want %q", hd.Format, FormatName)
	}
	if hd.Version != Version {
		return v.errf(line, 0, nil, "unsupported version %d (this reader reads version %d)", hd.Version, Version)
	}
	name, ver := v.f.Protocol()
	switch {
	case hd.Protocol == "" && hd.ProtocolVersion == 0:
		return v.errf(line, 0, nil, "the header names no protocol (a trace of before protocol versions): this reader reads %q version %d", name, ver)
	case (hd.Protocol != "" || hd.ProtocolVersion != 0) && (hd.Protocol != name || hd.ProtocolVersion != ver):
		return v.errf(line, 0, nil, "a trace of protocol %q version %d: this reader reads %q version %d", hd.Protocol, hd.ProtocolVersion, name, ver)
	}
	v.c = v.f.NewChecker()
	if err := v.c.Header(h); err != nil {
		return v.errf(line, 0, errors.Unwrap(err), "%s", err)
	}
	if run.TimeUnit != TimeStep && run.TimeUnit != TimeNanos {
		return v.errf(line, 0, nil, "time_unit is %q, want %q or %q", run.TimeUnit, TimeStep, TimeNanos)
	}
	if vi := run.Violation; vi != nil {
		if vi.Invariant == "" {
			return v.errf(line, 0, nil, "violation names no invariant")
		}
		if vi.Step < 0 {
			return v.errf(line, 0, nil, "violation.step %d is negative", vi.Step)
		}
	}
	v.run = *run
	return nil
}

// finish runs the checks that need the whole trace.
func (v *validator[H, S]) finish() *ParseError {
	if vi := v.run.Violation; vi != nil && vi.Step > v.n {
		return v.errf(1, 0, nil, "violation.step %d is out of range: the trace has %d steps", vi.Step, v.n)
	}
	return nil
}

// step validates s, found on line.
func (v *validator[H, S]) step(line int, s *S) *ParseError {
	id, t := v.f.StepOf(s)
	if id != v.n+1 {
		return v.errf(line, id, nil, "step number %d, want %d (steps are numbered 1, 2, ... without gaps)", id, v.n+1)
	}
	if t < 0 {
		return v.errf(line, id, nil, "negative time %d", t)
	}
	if v.n > 0 && t < v.time {
		return v.errf(line, id, nil, "time %d is before the previous step's %d (time never decreases)", t, v.time)
	}
	if err := v.c.Step(s); err != nil {
		return v.errf(line, id, errors.Unwrap(err), "%s", err)
	}
	v.n++
	v.time = t
	return nil
}
