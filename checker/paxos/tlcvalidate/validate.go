package tlcvalidate

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/impl/ballot"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/spec"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Options tune Validate (Correct: follow every trace by correct Paxos).
type Options = tlc.ValidateOptions

// Result is the verdict on one trace.
type Result = tlc.TraceVerdict[Variant, Entry]

// moduleName is the generated module's name.
const moduleName = "PaxosTraceLogs"

// Validate follows every trace by its spec with TLC (jar), one run for
// each batch of traces with the same acceptors and spec, and a second,
// diagnostic run for each rejected trace alone, which finds the entry it
// is rejected at and the spec state before it. Its error is for traces
// that cannot be validated (a header the spec cannot follow) or a TLC that
// does not run; verdicts are in the results, in the order of ts.
func Validate(ctx context.Context, jar string, ts []*paxostrace.Trace, o Options) ([]Result, error) {
	batches := map[string]*Batch{}
	return tlc.ValidateTraces(ctx, jar, spec.Modules, moduleName, len(ts), o,
		func(i int) (string, Variant, []Entry, error) {
			c, err := ts[i].Header.Config()
			if err != nil {
				return "", Variant{}, nil, err
			}
			v := Correct
			if !o.Correct {
				if v, err = VariantOf(c.Bugs); err != nil {
					return "", v, nil, err
				}
			}
			log, err := Entries(ts[i])
			var accs []string
			for _, a := range c.Acceptors {
				accs = append(accs, paxostrace.NodeName(paxos.RoleAcceptor, a))
			}
			k := strings.Join(accs, ",") + " " + v.String()
			if batches[k] == nil {
				batches[k] = &Batch{Acceptors: accs, Variant: v}
			}
			return k, v, log, err
		},
		func(k string, logs [][]Entry, diagnose bool) (string, string) {
			part := Batch{Acceptors: batches[k].Acceptors, Variant: batches[k].Variant, Logs: logs}
			return part.Module(moduleName), part.Config(diagnose)
		},
		func(i int, _ []Entry, st tlc.Value) string { return describeState(st, len(ts[i].Header.Proposers)) })
}

// describeState writes a spec state as a reader of the diagrams reads it:
// each acceptor's promise, vote and durable copy with ballots as
// round.proposer (np proposers), then the messages, proposed and learned.
func describeState(st tlc.Value, np int) string {
	field := func(name string) tlc.Value { v, _ := st.Field(name); return v }
	bal := func(v tlc.Value) string {
		if v.Kind != tlc.Int {
			return "?"
		}
		return specBallot(v.Int, np)
	}
	val := func(v tlc.Value) string {
		if v.Kind == tlc.String {
			return v.Str
		}
		return "-"
	}
	of := func(fn tlc.Value, key string) tlc.Value {
		for _, p := range fn.Pairs {
			if p.Key.Str == key {
				return p.Val
			}
		}
		return tlc.Value{}
	}
	var parts []string
	for _, p := range field("maxBal").Pairs {
		a := p.Key.Str
		s := fmt.Sprintf("%s maxBal=%s maxVBal=%s maxVal=%s", a, bal(p.Val), bal(of(field("maxVBal"), a)), val(of(field("maxVal"), a)))
		if d := of(field("dMaxBal"), a); d.Kind == tlc.Int {
			s += fmt.Sprintf(" (durable %s %s %s)", bal(d), bal(of(field("dMaxVBal"), a)), val(of(field("dMaxVal"), a)))
		}
		parts = append(parts, s)
	}
	var msgs []string
	for _, m := range field("msgs").Elems {
		get := func(f string) tlc.Value { v, _ := m.Field(f); return v }
		switch get("type").Str {
		case "1a":
			msgs = append(msgs, "1a b="+bal(get("bal")))
		case "1b":
			msgs = append(msgs, fmt.Sprintf("1b %s b=%s vbal=%s v=%s", get("acc").Str, bal(get("bal")), bal(get("mbal")), val(get("mval"))))
		case "2a":
			msgs = append(msgs, fmt.Sprintf("2a b=%s v=%s", bal(get("bal")), val(get("val"))))
		case "2b":
			msgs = append(msgs, fmt.Sprintf("2b %s b=%s v=%s", get("acc").Str, bal(get("bal")), val(get("val"))))
		}
	}
	slices.Sort(msgs)
	set := func(v tlc.Value) string {
		var s []string
		for _, e := range v.Elems {
			s = append(s, val(e))
		}
		return "{" + strings.Join(s, ",") + "}"
	}
	parts = append(parts, "msgs {"+strings.Join(msgs, "; ")+"}", "proposed "+set(field("proposed")), "learned "+set(field("learned")))
	return strings.Join(parts, "; ")
}

// Describe words e as the spec action it needed: "Phase2b(A1), sending
// 2b A1 b=1.0 v=x" with ballots as round.proposer.
func (e *Entry) Describe(np int) string {
	bal := func(b int) string { return specBallot(b, np) }
	var s string
	switch e.Kind {
	case KindPropose:
		s = "Propose(" + string(e.Val) + ")"
	case KindPhase1a:
		s = "Phase1a(" + bal(e.Bal) + ")"
	case KindPhase2a:
		s = "Phase2a(" + bal(e.Bal) + ", " + string(e.Val) + ")"
	case KindLearn:
		s = "Learn(" + string(e.Val) + ")"
	case KindPhase1b, KindPhase2b, KindCrash:
		s = e.Kind + "(" + e.Acc + ")"
	default:
		s = "a stuttering step"
	}
	var sent []string
	for _, m := range e.Sent {
		switch m.Type {
		case "1a":
			sent = append(sent, "1a b="+bal(m.Bal))
		case "1b":
			sent = append(sent, fmt.Sprintf("1b %s b=%s vbal=%s", m.Acc, bal(m.Bal), bal(m.MBal)))
		default:
			sent = append(sent, fmt.Sprintf("%s %s b=%s v=%s", m.Type, m.Acc, bal(m.Bal), m.Val))
		}
	}
	if len(sent) > 0 {
		s += " sending " + strings.Join(sent, ", ")
	}
	if e.Lost {
		s += " (its messages lost to a crash)"
	}
	if p := e.Persist; p != nil {
		s += fmt.Sprintf(" and persisting maxBal=%s maxVBal=%s maxVal=%s", bal(p.Bal), bal(p.VBal), strconv.Quote(string(p.Val)))
	} else if e.Acc != "" && e.Kind != KindCrash {
		s += " without a durable write"
	}
	return strings.ReplaceAll(s, "  ", " ")
}

// specBallot writes spec ballot b (np proposers) as the diagrams do.
func specBallot(b, np int) string { return ballot.FromSpec(b, np).String() }
