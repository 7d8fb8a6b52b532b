package mpvalidate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/impl/ballot"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/spec"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// Options tune Validate (Correct: follow every trace by correct Multi-Paxos).
type Options = tlc.ValidateOptions

// Result is the verdict on one trace.
type Result = tlc.TraceVerdict[Variant, Entry]

// moduleName is the generated module's name.
const moduleName = "MultiPaxosTraceLogs"

// Validate follows every trace by its spec with TLC (jar): one run for
// each batch of traces with the same acceptors and spec, and one more
// for the rejected traces of a batch, which finds the entry each is
// rejected at and the spec state before it. Its error is for traces that
// cannot be validated or a TLC that does not run; verdicts are in the
// results, in the order of ts.
func Validate(ctx context.Context, jar string, ts []*mptrace.Trace, o Options) ([]Result, error) {
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
			var accs, props []string
			for _, a := range c.Acceptors {
				accs = append(accs, mptrace.NodeName(mp.RoleAcceptor, a))
			}
			for _, p := range c.Proposers {
				props = append(props, ReplicaName(p, 0))
			}
			k := strings.Join(accs, ",") + ";" + strings.Join(props, ",") + " " + v.String()
			if batches[k] == nil {
				batches[k] = &Batch{Acceptors: accs, Proposers: props, Variant: v}
			}
			return k, v, log, err
		},
		func(k string, logs [][]Entry, diagnose bool) (string, string) {
			b := batches[k]
			part := Batch{Acceptors: b.Acceptors, Proposers: b.Proposers, Variant: b.Variant, Logs: logs}
			return part.Module(moduleName), part.Config(diagnose)
		},
		func(i int, log []Entry, st tlc.Value) string {
			return describeState(st, len(ts[i].Header.Proposers), cmdNames(log))
		})
}

// cmdNames maps the spec's command strings of log back to the Go
// commands, for the report.
func cmdNames(log []Entry) map[string]mp.Command {
	out := map[string]mp.Command{}
	for c := range clientCmds(log) {
		out[cmdName(c)] = c
	}
	return out
}

// describeState writes a spec state as a reader of the diagrams reads it:
// each acceptor's promise and votes, the messages, the proposed commands,
// and each replica's next slot and applied commands, with ballots as
// round.proposer (np proposers) and commands as the diagrams write them.
func describeState(st tlc.Value, np int, names map[string]mp.Command) string {
	field := func(v tlc.Value, name string) tlc.Value { x, _ := v.Field(name); return x }
	bal := func(v tlc.Value) string {
		if v.Kind != tlc.Int {
			return "?"
		}
		return specBallot(v.Int, np)
	}
	cmd := func(v tlc.Value) string {
		switch {
		case v.Kind == tlc.String:
			if c, ok := names[v.Str]; ok {
				return c.String()
			}
			return v.Str
		case v.Kind == tlc.ModelValue && v.Str == "Noop":
			return "noop"
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
	votes := func(set tlc.Value) string {
		var vs []string
		for _, t := range set.Elems {
			if len(t.Elems) == 3 {
				vs = append(vs, fmt.Sprintf("s%d:%s@%s", t.Elems[0].Int, cmd(t.Elems[2]), bal(t.Elems[1])))
			}
		}
		return "[" + strings.Join(vs, " ") + "]"
	}
	var parts []string
	for _, p := range field(st, "maxBal").Pairs {
		a := p.Key.Str
		parts = append(parts, fmt.Sprintf("%s maxBal=%s votes=%s", a, bal(p.Val), votes(of(field(st, "vote"), a))))
	}
	var msgs []string
	for _, m := range field(st, "msgs").Elems {
		get := func(f string) tlc.Value { return field(m, f) }
		switch get("type").Str {
		case "1a":
			msgs = append(msgs, "1a b="+bal(get("bal")))
		case "1b":
			var vs []string
			for i, p := range get("votes").Elems { // a tuple: slots 1..MaxSlot
				if field(p, "bal").Int >= 0 {
					vs = append(vs, fmt.Sprintf("s%d:%s@%s", i+1, cmd(field(p, "cmd")), bal(field(p, "bal"))))
				}
			}
			msgs = append(msgs, fmt.Sprintf("1b %s b=%s [%s]", get("acc").Str, bal(get("bal")), strings.Join(vs, " ")))
		case "2a":
			msgs = append(msgs, fmt.Sprintf("2a b=%s s%d %s", bal(get("bal")), get("slot").Int, cmd(get("cmd"))))
		case "2b":
			msgs = append(msgs, fmt.Sprintf("2b %s b=%s s%d %s", get("acc").Str, bal(get("bal")), get("slot").Int, cmd(get("cmd"))))
		}
	}
	slices.Sort(msgs)
	parts = append(parts, "msgs {"+strings.Join(msgs, "; ")+"}")
	var prop []string
	for _, c := range field(st, "proposed").Elems {
		prop = append(prop, cmd(c))
	}
	parts = append(parts, "proposed {"+strings.Join(prop, ", ")+"}")
	for _, p := range field(st, "next").Pairs {
		var ap []string
		for _, c := range of(field(st, "applied"), p.Key.Str).Elems {
			ap = append(ap, cmd(c))
		}
		parts = append(parts, fmt.Sprintf("replica %s next=s%d applied=[%s]", p.Key.Str, p.Val.Int, strings.Join(ap, " ")))
	}
	return strings.Join(parts, "; ")
}

// Describe words e as the spec action it needed, with ballots as
// round.proposer (np proposers): "Phase2b(A1) voting 1.0 in s1 for
// c0.1:put(k0=0.1), persisting ...".
func (e *Entry) Describe(np int) string {
	bal := func(b int) string { return specBallot(b, np) }
	var s string
	switch e.Kind {
	case KindPropose:
		s = "Propose(" + e.Cmd.String() + ")"
	case KindPhase1a:
		s = "Phase1a(" + bal(e.Bal) + ")"
	case KindPhase2a:
		s = fmt.Sprintf("Phase2a(%s, s%d, %s)", bal(e.Bal), e.Slot, e.Cmd)
	case KindPhase1b:
		s = fmt.Sprintf("Phase1b(%s) promising %s", e.Acc, bal(e.Bal))
		if !e.Lost {
			s += " and reporting " + voteText(e.Votes, np) + fmt.Sprintf(" from s%d on", e.Slot)
		}
	case KindPhase2b:
		s = fmt.Sprintf("Phase2b(%s) voting %s in s%d for %s", e.Acc, bal(e.Bal), e.Slot, e.Cmd)
	case KindApply:
		s = fmt.Sprintf("Apply(%s) of s%d, %s", e.Rep, e.Slot, e.Cmd)
	default:
		s = "a stuttering step"
	}
	if e.Lost {
		s += " (its messages lost to a crash)"
	}
	if p := e.Persist; p != nil {
		s += fmt.Sprintf(", persisting maxBal=%s votes=%s", bal(p.Bal), voteText(p.Votes, np))
	} else if e.Acc != "" && e.Kind != KindNone {
		s += ", without a durable write"
	}
	return s
}

func voteText(vs []Vote, np int) string {
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("s%d:%s@%s", v.Slot, v.Cmd, specBallot(v.Bal, np)))
	}
	return "[" + strings.Join(out, " ") + "]"
}

// specBallot writes spec ballot b (np proposers) as the diagrams do.
func specBallot(b, np int) string { return ballot.FromSpec(b, np).String() }
