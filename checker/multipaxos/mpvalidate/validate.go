package mpvalidate

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/impl/ballot"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/spec"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// Options tune Validate.
type Options struct {
	// Correct follows every trace by correct Multi-Paxos; otherwise each
	// is followed by the spec of the bugs its header names (VariantOf).
	Correct bool
	// Workers is how many TLC processes run at once (0: 1), each on a
	// part of a batch.
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
	// For a rejected trace: the first entry no spec action explains (its
	// trace step and event are Entry.Step and Entry.Event), and the spec
	// state before it, as a reader reads it.
	Entry *Entry
	State string
}

// moduleName is the generated module's name.
const moduleName = "MultiPaxosTraceLogs"

// Validate follows every trace by its spec with TLC (jar): one run for
// each batch of traces with the same acceptors and spec, and one more
// for the rejected traces of a batch, which finds the entry each is
// rejected at and the spec state before it. Its error is for traces that
// cannot be validated or a TLC that does not run; verdicts are in the
// results, in the order of ts.
func Validate(ctx context.Context, jar string, ts []*mptrace.Trace, o Options) ([]Result, error) {
	type key struct{ cluster, variant string }
	batches := map[key]*Batch{}
	members := map[key][]int{}
	var order []key
	results := make([]Result, len(ts))
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
		var accs, props []string
		for _, a := range c.Acceptors {
			accs = append(accs, mptrace.NodeName(mp.RoleAcceptor, a))
		}
		for _, p := range c.Proposers {
			props = append(props, ReplicaName(p, 0))
		}
		k := key{strings.Join(accs, ",") + ";" + strings.Join(props, ","), v.String()}
		b := batches[k]
		if b == nil {
			b = &Batch{Acceptors: accs, Proposers: props, Variant: v}
			batches[k] = b
			order = append(order, k)
		}
		b.Logs = append(b.Logs, log)
		members[k] = append(members[k], i)
		results[i] = Result{Variant: v, Entries: len(log)}
	}
	for n, k := range order {
		b := batches[k]
		accepted, err := b.logs().Accepted(ctx, jar, max(o.Workers, 1), func(part int) string { return o.keep(fmt.Sprintf("batch-%d-%d", n+1, part+1)) })
		if err != nil {
			return nil, err
		}
		rejected := &Batch{Acceptors: b.Acceptors, Proposers: b.Proposers, Variant: b.Variant}
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
				return nil, fmt.Errorf("trace %d: rejected by one TLC run, not by the next", i+1)
			}
			e := rejected.Logs[r][f.At-1]
			results[i].Entry = &e
			results[i].State = describeState(f.State, len(ts[i].Header.Proposers), cmdNames(rejected.Logs[r]))
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

// logs is b for TLC to follow.
func (b *Batch) logs() tlc.Logs {
	return tlc.Logs{N: len(b.Logs), Spec: spec.Modules, Name: moduleName, Files: func(lo, hi int, diagnose bool) (string, string) {
		part := &Batch{Acceptors: b.Acceptors, Proposers: b.Proposers, Variant: b.Variant, Logs: b.Logs[lo:hi]}
		return part.Module(moduleName), part.Config(diagnose)
	}}
}

// cmdNames maps the spec's command strings of log back to the Go
// commands, for the report.
func cmdNames(log []Entry) map[string]mp.Command {
	out := map[string]mp.Command{}
	add := func(c mp.Command) {
		if c.Op != 0 && c.Op != mp.OpNoop {
			out[cmdName(c)] = c
		}
	}
	for _, e := range log {
		add(e.Cmd)
		for _, v := range e.Votes {
			add(v.Cmd)
		}
		if e.Persist != nil {
			for _, v := range e.Persist.Votes {
				add(v.Cmd)
			}
		}
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
