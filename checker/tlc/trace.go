package tlc

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Verdict says what TLC reported as broken.
type Verdict int

// The verdicts Parse recognises.
const (
	InvariantViolated Verdict = iota + 1 // "Invariant X is violated."
	PropertyViolated                     // "Temporal property X was violated."
	Deadlock                             // "Deadlock reached."
)

// Trace is one TLC error report: what broke and the behaviour that breaks
// it.
type Trace struct {
	Verdict Verdict
	// Name is the invariant or temporal property TLC names ("" for a
	// deadlock, or for "Temporal properties were violated.").
	Name string
	// States are the states in order; States[i].Num == i+1.
	States []State
	// Stuttering reports a liveness counterexample that ends by stuttering
	// forever in the last state ("State N: Stuttering").
	Stuttering bool
	// LoopTo is the Num of the state a liveness counterexample loops back
	// to ("Back to state N"), 0 if none.
	LoopTo int
}

// State is one state of the behaviour.
type State struct {
	Num    int    // TLC's state number, from 1
	Action string // the action that reached it, e.g. "Phase1b(a1)", or "Initial predicate"
	Line   int    // line of the input where the state starts
	Vars   []Var  // in the order TLC printed them
}

// Var is one "/\ name = value" conjunct of a state.
type Var struct {
	Name  string
	Value Value
}

// Get returns the value of variable name in s.
func (s *State) Get(name string) (Value, bool) {
	for _, v := range s.Vars {
		if v.Name == name {
			return v.Value, true
		}
	}
	return Value{}, false
}

var (
	reInvariant     = regexp.MustCompile(`^Error: Invariant (\w+) is violated\.$`)
	reInvariantInit = regexp.MustCompile(`^Error: Invariant (\w+) is violated by the initial state:$`)
	reProperty      = regexp.MustCompile(`^Error: Temporal property (\w+) was violated\.$`)
	reStateHeader   = regexp.MustCompile(`^State (\d+): ?(.*)$`)
	reBackTo        = regexp.MustCompile(`^Back to state (\d+)(?::.*)?$`)
	reBackToTool    = regexp.MustCompile(`^Back to state(?::.*)?$`)
	reLocation      = regexp.MustCompile(` line \d+, col \d+ to line \d+, col \d+ of module \w+$`)
)

// maxLine bounds one input line (TLC prints a big set on several lines).
const maxLine = 1 << 20

// Parse reads one TLC error report, as scripts/tlc.sh stores it: "Error:"
// lines, then the states. It is strict: a line it does not recognise is an
// error (so that a change in TLC's output is noticed, not skipped), and so
// are state numbers out of sequence, states with different variables, a
// report with no verdict or no state.
func Parse(r io.Reader) (*Trace, error) {
	p := &parser{t: &Trace{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	n := 0
	for sc.Scan() {
		n++
		if err := p.line(n, strings.TrimRight(sc.Text(), "\r")); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &SyntaxError{Line: n + 1, Col: 1, Msg: err.Error()}
	}
	if err := p.flush(); err != nil {
		return nil, err
	}
	return p.finish(n)
}

// ParseString is Parse on a string.
func ParseString(text string) (*Trace, error) { return Parse(strings.NewReader(text)) }

type parser struct {
	t *Trace
	// body collects the conjunct lines of the state being read.
	body      []string
	bodyLine  int
	inState   bool
	done      bool // after Stuttering or Back to state: nothing may follow
	doneLine  int
	verdictAt int
}

func (p *parser) errAt(line int, format string, args ...any) error {
	return &SyntaxError{Line: line, Col: 1, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) setVerdict(n int, v Verdict, name string) error {
	if len(p.t.States) > 0 {
		return p.errAt(n, "verdict after the states")
	}
	if p.t.Verdict != 0 {
		return p.errAt(n, "a second verdict (the first is on line %d)", p.verdictAt)
	}
	p.t.Verdict, p.t.Name, p.verdictAt = v, name, n
	return nil
}

func (p *parser) line(n int, l string) error {
	if p.done && strings.TrimSpace(l) != "" {
		return p.errAt(n, "text after the end of the behaviour (line %d): %q", p.doneLine, clip(l))
	}
	switch {
	case strings.TrimSpace(l) == "":
		return p.flush()
	case strings.HasPrefix(l, "/\\ ") || (l[0] == ' ' || l[0] == '\t') && p.inState:
		if !p.inState {
			return p.errAt(n, "a conjunct outside any state: %q", clip(l))
		}
		if len(p.body) == 0 {
			p.bodyLine = n
		}
		p.body = append(p.body, l)
		return nil
	}
	if err := p.flush(); err != nil {
		return err
	}
	if m := reInvariant.FindStringSubmatch(l); m != nil {
		return p.setVerdict(n, InvariantViolated, m[1])
	}
	if m := reInvariantInit.FindStringSubmatch(l); m != nil {
		if err := p.setVerdict(n, InvariantViolated, m[1]); err != nil {
			return err
		}
		// TLC prints the initial state without a "State 1:" header.
		return p.startState(n, 1, "Initial predicate")
	}
	if m := reProperty.FindStringSubmatch(l); m != nil {
		return p.setVerdict(n, PropertyViolated, m[1])
	}
	switch l {
	case "Error: Temporal properties were violated.":
		return p.setVerdict(n, PropertyViolated, "")
	case "Error: Deadlock reached.":
		return p.setVerdict(n, Deadlock, "")
	case "Error: The behavior up to this point is:",
		"Error: The following behavior constitutes a counter-example:":
		return nil
	}
	if m := reStateHeader.FindStringSubmatch(l); m != nil {
		num, err := strconv.Atoi(m[1])
		if err != nil {
			return p.errAt(n, "state number %s out of range", m[1])
		}
		label := m[2]
		switch {
		case label == "Stuttering":
			return p.end(n, num, func() error {
				p.t.Stuttering = true
				return nil
			})
		case reBackToTool.MatchString(label):
			// Tool mode prints "State N: Back to state: ..." where N is
			// the state looped back to.
			return p.end(n, len(p.t.States)+1, func() error { return p.loopTo(n, num) })
		}
		if !strings.HasPrefix(label, "<") || !strings.HasSuffix(label, ">") {
			return p.errAt(n, "state %d: want <Action ...> after the colon, found %q", num, clip(label))
		}
		action := reLocation.ReplaceAllString(label[1:len(label)-1], "")
		if action == "" {
			return p.errAt(n, "state %d: empty action name", num)
		}
		return p.startState(n, num, action)
	}
	if m := reBackTo.FindStringSubmatch(l); m != nil {
		num, err := strconv.Atoi(m[1])
		if err != nil {
			return p.errAt(n, "state number %s out of range", m[1])
		}
		return p.end(n, len(p.t.States)+1, func() error { return p.loopTo(n, num) })
	}
	return p.errAt(n, "unexpected line %q", clip(l))
}

func (p *parser) loopTo(n, num int) error {
	if num < 1 || num > len(p.t.States) {
		return p.errAt(n, "back to state %d, but the behaviour has states 1..%d", num, len(p.t.States))
	}
	p.t.LoopTo = num
	return nil
}

// end handles a marker that closes a liveness lasso; num is the state
// number the marker stands at.
func (p *parser) end(n, num int, mark func() error) error {
	if p.t.Verdict != PropertyViolated {
		return p.errAt(n, "a lasso (Stuttering, Back to state) ends only a temporal property's counterexample")
	}
	if len(p.t.States) == 0 {
		return p.errAt(n, "a lasso before any state")
	}
	if num != len(p.t.States)+1 {
		return p.errAt(n, "state %d out of sequence: want %d", num, len(p.t.States)+1)
	}
	p.done, p.doneLine = true, n
	return mark()
}

func (p *parser) startState(n, num int, action string) error {
	if p.t.Verdict == 0 {
		return p.errAt(n, "a state before TLC's verdict (\"Error: Invariant X is violated.\")")
	}
	if want := len(p.t.States) + 1; num != want {
		return p.errAt(n, "state %d out of sequence: want %d", num, want)
	}
	p.t.States = append(p.t.States, State{Num: num, Action: action, Line: n})
	p.inState = true
	return nil
}

// flush parses the conjuncts collected for the current state.
func (p *parser) flush() error {
	if !p.inState {
		return nil
	}
	st := &p.t.States[len(p.t.States)-1]
	if len(p.body) == 0 {
		return p.errAt(st.Line, "state %d has no variables", st.Num)
	}
	if err := conjuncts(st, p.body, p.bodyLine); err != nil {
		return err
	}
	p.body, p.inState = p.body[:0], false
	if len(p.t.States) > 1 {
		first := &p.t.States[0]
		if err := sameVars(first, st); err != nil {
			return p.errAt(st.Line, "%v", err)
		}
	}
	return nil
}

// conjuncts reads a state's "/\ name = value" lines (body, from line
// first of the input) into st.Vars.
func conjuncts(st *State, body []string, first int) error {
	s := newScanner(strings.Join(body, "\n"), first)
	for !s.eof() {
		if err := s.expect("/\\"); err != nil {
			return err
		}
		name, ok := s.ident()
		if !ok {
			return s.errf("want a variable name, found %s", s.near())
		}
		if _, dup := st.Get(name); dup {
			return s.errf("variable %s given twice in state %d", name, st.Num)
		}
		if err := s.expect("="); err != nil {
			return err
		}
		v, err := s.value(0)
		if err != nil {
			return err
		}
		st.Vars = append(st.Vars, Var{Name: name, Value: v})
	}
	return nil
}

// ParseDump reads the states TLC writes with -dump FILE: "State N:", the
// state's conjuncts, a blank line between states. Each state is checked
// to have the first state's variables.
func ParseDump(r io.Reader) ([]State, error) {
	var states []State
	if err := EachDumpState(r, func(st *State) error { states = append(states, *st); return nil }); err != nil {
		return nil, err
	}
	return states, nil
}

// EachDumpState reads a dump as ParseDump does, and gives f each state
// as soon as it is read, in order, without holding them all (a dump of a
// large model does not fit in memory as values); it stops at f's first
// error and returns it.
func EachDumpState(r io.Reader, f func(*State) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	var firstState, st *State
	var body []string
	first, n, count := 0, 0, 0
	flush := func() error {
		if len(body) == 0 || st == nil {
			return nil
		}
		if err := conjuncts(st, body, first); err != nil {
			return err
		}
		body = body[:0]
		if firstState == nil {
			firstState = st
		} else if err := sameVars(firstState, st); err != nil {
			return &SyntaxError{Line: st.Line, Col: 1, Msg: err.Error()}
		}
		cur := st
		st = nil
		return f(cur)
	}
	for sc.Scan() {
		n++
		l := sc.Text()
		switch m := reStateHeader.FindStringSubmatch(l); {
		case m != nil && m[2] == "":
			if err := flush(); err != nil {
				return err
			}
			num, err := strconv.Atoi(m[1])
			if err != nil {
				return &SyntaxError{Line: n, Col: 1, Msg: "state number " + m[1] + " out of range"}
			}
			st = &State{Num: num, Line: n}
			count++
		case strings.TrimSpace(l) == "":
			if err := flush(); err != nil {
				return err
			}
		case count == 0:
			return &SyntaxError{Line: n, Col: 1, Msg: fmt.Sprintf("want \"State N:\", found %q", clip(l))}
		default:
			if len(body) == 0 {
				first = n
			}
			body = append(body, l)
		}
	}
	if err := sc.Err(); err != nil {
		return &SyntaxError{Line: n + 1, Col: 1, Msg: err.Error()}
	}
	if err := flush(); err != nil {
		return err
	}
	if count == 0 {
		return &SyntaxError{Line: 1, Col: 1, Msg: "no state"}
	}
	return nil
}

func sameVars(a, b *State) error {
	for _, v := range a.Vars {
		if _, ok := b.Get(v.Name); !ok {
			return fmt.Errorf("state %d lacks variable %s of state %d", b.Num, v.Name, a.Num)
		}
	}
	for _, v := range b.Vars {
		if _, ok := a.Get(v.Name); !ok {
			return fmt.Errorf("state %d has variable %s that state %d lacks", b.Num, v.Name, a.Num)
		}
	}
	return nil
}

func (p *parser) finish(n int) (*Trace, error) {
	if p.t.Verdict == 0 {
		return nil, p.errAt(n+1, "no verdict: want a line such as \"Error: Invariant X is violated.\"")
	}
	if len(p.t.States) == 0 {
		return nil, p.errAt(n+1, "no states in the trace")
	}
	return p.t, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// String names the verdict as TLC words it.
func (v Verdict) String() string {
	switch v {
	case InvariantViolated:
		return "invariant violated"
	case PropertyViolated:
		return "temporal property violated"
	case Deadlock:
		return "deadlock"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}
