package tlcvalidate

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/impl/ballot"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/spec"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Options tune Validate.
type Options struct {
	// Correct follows every trace by correct Paxos; otherwise each is
	// followed by the spec of the bugs its header names (VariantOf).
	Correct bool
	// Workers is how many TLC processes run at once (0: 1): a batch is
	// cut into that many parts, each followed by one TLC of one worker,
	// since TLC reads its modules on one thread and that is most of a
	// large batch's time.
	Workers int
	// Keep, when set, is a folder that keeps TLC's inputs and outputs,
	// one subfolder per run.
	Keep string
}

// Result is the verdict on one trace.
type Result struct {
	// Variant is the spec that followed it.
	Variant Variant
	// Entries is the number of spec entries its log has.
	Entries int
	// Accepted: the trace is a behaviour of the spec.
	Accepted bool
	// For a rejected trace: the first entry that no spec action explains
	// (its trace step and event are Entry.Step and Entry.Event), and the
	// spec state before it, as a reader reads it (State).
	Entry *Entry
	State string
}

// Validate follows every trace by its spec with TLC (jar), one run for
// each batch of traces with the same acceptors and spec, and a second,
// diagnostic run for each rejected trace alone, which finds the entry it
// is rejected at and the spec state before it. Its error is for traces
// that cannot be validated (a header the spec cannot follow) or a TLC that
// does not run; verdicts are in the results, in the order of ts.
func Validate(ctx context.Context, jar string, ts []*paxostrace.Trace, o Options) ([]Result, error) {
	type key struct{ acceptors, variant string }
	batches := map[key]*Batch{}
	members := map[key][]int{}
	var order []key
	results := make([]Result, len(ts))
	nps := make([]int, len(ts))
	for i, t := range ts {
		c, err := t.Header.Config()
		if err != nil {
			return nil, fmt.Errorf("trace %d: %w", i+1, err)
		}
		v := Correct
		if !o.Correct {
			if v, err = VariantOf(c.Bugs); err != nil {
				return nil, fmt.Errorf("trace %d: %w", i+1, err)
			}
		}
		log, err := Entries(t)
		if err != nil {
			return nil, fmt.Errorf("trace %d: %w", i+1, err)
		}
		var accs []string
		for _, a := range c.Acceptors {
			accs = append(accs, paxostrace.NodeName(paxos.RoleAcceptor, a))
		}
		k := key{strings.Join(accs, ","), fmt.Sprint(v)}
		b := batches[k]
		if b == nil {
			b = &Batch{Acceptors: accs, Variant: v}
			batches[k] = b
			order = append(order, k)
		}
		b.Logs = append(b.Logs, log)
		members[k] = append(members[k], i)
		results[i] = Result{Variant: v, Entries: len(log)}
		nps[i] = len(c.Proposers)
	}
	for n, k := range order {
		b := batches[k]
		accepted, err := b.logs().Accepted(ctx, jar, max(o.Workers, 1), func(part int) string { return o.keep(fmt.Sprintf("batch-%d-%d", n+1, part+1)) })
		if err != nil {
			return nil, err
		}
		// The rejected logs are followed again, together, printing
		// every state: the furthest state of each says where it stops.
		rejected := &Batch{Acceptors: b.Acceptors, Variant: b.Variant}
		var who []int // rejected.Logs[r] is trace who[r]
		for j, i := range members[k] {
			if accepted[j+1] {
				results[i].Accepted = true
				continue
			}
			rejected.Logs = append(rejected.Logs, b.Logs[j])
			who = append(who, i)
		}
		if len(who) == 0 {
			continue
		}
		far, err := rejected.logs().Furthest(ctx, jar, o.keep(fmt.Sprintf("batch-%d-rejected", n+1)))
		if err != nil {
			return nil, err
		}
		for r, i := range who {
			f, ok := far[r+1]
			if !ok || f.At > len(rejected.Logs[r]) {
				// The diagnostic run followed it to the end, or not at
				// all: TLC's two runs disagree, which only a broken
				// setup can do.
				return nil, fmt.Errorf("trace %d: rejected by one TLC run, not by the next", i+1)
			}
			e := rejected.Logs[r][f.At-1]
			results[i].Entry = &e
			results[i].State = describeState(f.State, nps[i])
		}
	}
	return results, nil
}

func (o Options) keep(name string) string {
	if o.Keep == "" {
		return ""
	}
	return filepath.Join(o.Keep, name)
}

// moduleName is the generated module's name.
const moduleName = "PaxosTraceLogs"

// logs is b for TLC to follow: a part of it is the batch of those logs.
func (b *Batch) logs() tlc.Logs {
	return tlc.Logs{N: len(b.Logs), Spec: spec.Modules, Name: moduleName, Files: func(lo, hi int, diagnose bool) (string, string) {
		part := &Batch{Acceptors: b.Acceptors, Variant: b.Variant, Logs: b.Logs[lo:hi]}
		return part.Module(moduleName), part.Config(diagnose)
	}}
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
