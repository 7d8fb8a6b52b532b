package traces_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/traces"
)

// A toy layer, to show the envelope protocol-free: a header with a node
// count, steps that send and consume numbered pings.

type toyHeader struct {
	traces.Head
	Nodes int `json:"nodes"`
	traces.Run
}

type toyStep struct {
	Step    int    `json:"step"`
	Action  string `json:"action"`
	Consume int    `json:"consume,omitempty"`
	Send    int    `json:"send,omitempty"`
	Time    int64  `json:"time"`
}

type toyFormat struct{}

func (f toyFormat) Protocol() (string, int)                       { return "toy", 3 }
func (f toyFormat) Head(h *toyHeader) (*traces.Head, *traces.Run) { return &h.Head, &h.Run }
func (f toyFormat) HeaderKeys() []string                          { return []string{"format", "version", "nodes", "time_unit"} }
func (f toyFormat) StepKeys() []string                            { return []string{"step", "action", "time"} }
func (f toyFormat) StepOf(s *toyStep) (int, int64)                { return s.Step, s.Time }
func (f toyFormat) NewChecker() traces.Checker[toyHeader, toyStep] {
	return &toyChecker{}
}

type toyChecker struct {
	flight traces.Flight[string]
}

func (c *toyChecker) Header(h *toyHeader) error {
	if h.Nodes < 1 {
		return fmt.Errorf("%d nodes, want at least 1", h.Nodes)
	}
	return nil
}

func (c *toyChecker) Step(s *toyStep) error {
	if s.Consume != 0 {
		if _, in, sent := c.flight.InFlight(s.Consume); !sent || !in {
			return fmt.Errorf("ping %d is not in flight", s.Consume)
		}
		c.flight.Consume(s.Consume)
	}
	if s.Send != 0 {
		return c.flight.Send(s.Send, "ping")
	}
	return nil
}

const toyHead = `{"format":"paxoscheck-trace","version":1,"protocol":"toy","protocol_version":3,"nodes":2,"time_unit":"step"`

func read(t *testing.T, f toyFormat, lines ...string) error {
	t.Helper()
	_, err := traces.Read[toyHeader, toyStep](f, strings.NewReader(strings.Join(lines, "\n")+"\n"))
	return err
}

// TestToyRoundTrip: a toy trace is written and read back as it was, its
// fields in the order of the types (Head, the protocol's, Run).
func TestToyRoundTrip(t *testing.T) {
	tr := traces.Trace[toyHeader, toyStep]{
		Header: toyHeader{Head: traces.Head{Format: traces.FormatName, Version: traces.Version, Protocol: "toy", ProtocolVersion: 3},
			Nodes: 2, Run: traces.Run{TimeUnit: traces.TimeStep, Violation: &traces.Violation{Invariant: "Toy", Step: 2}}},
		Steps: []toyStep{{Step: 1, Action: "send", Send: 1, Time: 1}, {Step: 2, Action: "take", Consume: 1, Time: 2}},
	}
	var b bytes.Buffer
	if err := traces.Write(toyFormat{}, &b, tr); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), toyHead+`,"violation":`) {
		t.Fatalf("header line: %s", b.String())
	}
	back, err := traces.Read(toyFormat{}, &b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Header.Nodes != 2 || back.Header.Violation.Step != 2 || len(back.Steps) != 2 || back.Steps[1].Consume != 1 {
		t.Fatalf("read back %+v", back)
	}
}

// TestEnvelopeRefuses: each of the envelope's checks, and the layer's,
// refuses its malformed line, naming the line.
func TestEnvelopeRefuses(t *testing.T) {
	ok1 := `{"step":1,"action":"send","send":1,"time":1}`
	for _, c := range []struct {
		name  string
		f     toyFormat
		lines []string
		want  string
	}{
		{"another protocol", toyFormat{}, []string{strings.Replace(toyHead, `"toy"`, `"paxos"`, 1) + `}`}, `line 1: a trace of protocol "paxos"`},
		{"another protocol version", toyFormat{}, []string{strings.Replace(toyHead, `:3`, `:4`, 1) + `}`}, "line 1: a trace of toy version 4"},
		{"no protocol named", toyFormat{}, []string{`{"format":"paxoscheck-trace","version":1,"nodes":2,"time_unit":"step"}`}, "line 1: the header names no protocol"},
		{"another format version", toyFormat{}, []string{strings.Replace(toyHead, `"version":1`, `"version":9`, 1) + `}`}, "unsupported version 9"},
		{"missing key", toyFormat{}, []string{strings.Replace(toyHead, `"nodes":2,`, ``, 1) + `}`}, `header has no "nodes" field`},
		{"unknown field", toyFormat{}, []string{toyHead + `,"colour":1}`}, `unknown field "colour"`},
		{"layer's header check", toyFormat{}, []string{strings.Replace(toyHead, `"nodes":2`, `"nodes":0`, 1) + `}`}, "line 1: 0 nodes"},
		{"time unit", toyFormat{}, []string{strings.Replace(toyHead, `"step"`, `"hours"`, 1) + `}`}, `time_unit is "hours"`},
		{"step gap", toyFormat{}, []string{toyHead + `}`, ok1, `{"step":3,"action":"x","time":2}`}, "line 3: step 3: step number 3, want 2"},
		{"time goes back", toyFormat{}, []string{toyHead + `}`, ok1, `{"step":2,"action":"x","time":0}`}, "line 3: step 2: time 0 is before"},
		{"layer's step check", toyFormat{}, []string{toyHead + `}`, ok1, `{"step":2,"action":"take","consume":7,"time":2}`}, "line 3: step 2: ping 7 is not in flight"},
		{"id reused", toyFormat{}, []string{toyHead + `}`, ok1, `{"step":2,"action":"send","send":1,"time":2}`}, "message id 1 is reused"},
		{"violation past the end", toyFormat{}, []string{toyHead + `,"violation":{"invariant":"Toy","step":5}}`, ok1}, "line 1: violation.step 5 is out of range"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := read(t, c.f, c.lines...)
			if err == nil || !errors.Is(err, traces.ErrMalformed) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestProtocolOf: the header's protocol, or "" for a header without one,
// a line that is no JSON object, an empty input.
func TestProtocolOf(t *testing.T) {
	for in, want := range map[string]string{
		toyHead + "}\n{\"step\":1}\n":   "toy",
		toyHead + "}":                   "toy",
		`{"format":"paxoscheck-trace"}`: "",
		"not json\n":                    "",
		"":                              "",
		`{"protocol":7}`:                "",
	} {
		if got := traces.ProtocolOf(strings.NewReader(in)); got != want {
			t.Errorf("ProtocolOf(%.40q) = %q, want %q", in, got, want)
		}
	}
}
