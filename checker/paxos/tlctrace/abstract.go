package tlctrace

import (
	"github.com/paxoscheck/paxoscheck/checker/tlc"

	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// ErrShape is wrapped by every error about a state whose variables do not
// have the shape of spec/Paxos.tla's (a missing variable, a maxBal that is
// not a function of the acceptors, a message record with a wrong field).
var ErrShape = errors.New("TLC state does not match spec/Paxos.tla")

// ShapeError names the state and variable whose value ToAbstract cannot map.
type ShapeError struct {
	State int    // TLC's state number, 0 when unknown
	Var   string // the spec variable
	Msg   string
}

// Error implements error; the message is one line.
func (e *ShapeError) Error() string {
	return fmt.Sprintf("state %d: %s: %s", e.State, e.Var, e.Msg)
}

// Unwrap makes errors.Is(err, ErrShape) hold.
func (e *ShapeError) Unwrap() error { return ErrShape }

// NoneName is the model value the cfgs bind to the spec constant None
// ("None = None"): it maps to paxos.None.
const NoneName = "None"

// specVars are the variables of spec/Paxos.tla that Abstract mirrors.
var specVars = []string{"maxBal", "maxVBal", "maxVal", "msgs", "proposed", "learned"}

// IgnoredVars are variables that ToAbstract accepts and drops: the durable
// copies of spec/PaxosCrash.tla. The spec's invariants read the volatile
// maxBal, maxVBal and maxVal (an acceptor that crashes reloads them from
// the durable copies), so the durable ones are not part of the state the
// invariants judge.
var IgnoredVars = []string{"dMaxBal", "dMaxVBal", "dMaxVal"}

// ToAbstract maps state s onto the spec variables the Go invariants read:
//
//   - the acceptors are the domain of maxBal, sorted by name in natural
//     order (a2 before a10), index i for the i-th; maxVBal and maxVal must
//     have the same domain;
//   - values (model values such as v1, or strings) become paxos.Value by
//     name; the model value None becomes paxos.None;
//   - msgs: 1a records are dropped (no invariant reads them); 1b records
//     [type, bal, acc, mbal, mval], 2a [type, bal, val] and 2b [type, bal,
//     acc, val] become invariant.Msg with the fields a type lacks at
//     -1/None, as FromWorld makes them;
//   - proposed and learned are sets of values, sorted as FromWorld sorts
//     them.
//
// A variable outside specVars and IgnoredVars is an error, so that a new
// spec variable is noticed rather than silently left out.
func ToAbstract(s *tlc.State) (invariant.Abstract, error) {
	c := conv{state: s.Num}
	for _, v := range s.Vars {
		if !slices.Contains(specVars, v.Name) && !slices.Contains(IgnoredVars, v.Name) {
			return invariant.Abstract{}, c.errf(v.Name, "not a variable of spec/Paxos.tla or spec/PaxosCrash.tla")
		}
	}
	vars := map[string]tlc.Value{}
	for _, name := range specVars {
		v, ok := s.Get(name)
		if !ok {
			return invariant.Abstract{}, c.errf(name, "missing")
		}
		vars[name] = v
	}
	accs, err := c.acceptors(vars["maxBal"])
	if err != nil {
		return invariant.Abstract{}, err
	}
	c.acc = accs
	a := invariant.Abstract{NumAcceptors: len(accs)}
	if a.MaxBal, err = perAcceptor(&c, "maxBal", vars["maxBal"], c.ballot); err != nil {
		return invariant.Abstract{}, err
	}
	if a.MaxVBal, err = perAcceptor(&c, "maxVBal", vars["maxVBal"], c.ballot); err != nil {
		return invariant.Abstract{}, err
	}
	if a.MaxVal, err = perAcceptor(&c, "maxVal", vars["maxVal"], c.value); err != nil {
		return invariant.Abstract{}, err
	}
	if a.Msgs, err = c.msgs(vars["msgs"]); err != nil {
		return invariant.Abstract{}, err
	}
	if a.Proposed, err = c.valueSet("proposed", vars["proposed"]); err != nil {
		return invariant.Abstract{}, err
	}
	if a.Learned, err = c.valueSet("learned", vars["learned"]); err != nil {
		return invariant.Abstract{}, err
	}
	return a, nil
}

// conv carries what the conversion of one state needs.
type conv struct {
	state int
	acc   []string // acceptor model values, index order
}

func (c *conv) errf(v, format string, args ...any) error {
	return &ShapeError{State: c.state, Var: v, Msg: fmt.Sprintf(format, args...)}
}

// entries returns the key/value pairs of a function value. TLC prints a
// function of model values as (k :> v @@ ..); a record [k |-> v] is
// accepted too (its keys are identifiers, which is how model values print).
func entries(v tlc.Value) ([]tlc.Pair, bool) {
	switch v.Kind {
	case tlc.Func:
		return v.Pairs, true
	case tlc.Record:
		out := make([]tlc.Pair, len(v.Pairs))
		for i, p := range v.Pairs {
			out[i] = tlc.Pair{Key: tlc.Value{Kind: tlc.ModelValue, Str: p.Key.Str}, Val: p.Val}
		}
		return out, true
	}
	return nil, false
}

// acceptors returns the domain of maxBal in natural order.
func (c *conv) acceptors(maxBal tlc.Value) ([]string, error) {
	ps, ok := entries(maxBal)
	if !ok {
		return nil, c.errf("maxBal", "want a function of the acceptors, got a %s", maxBal.Kind)
	}
	var out []string
	for _, p := range ps {
		if p.Key.Kind != tlc.ModelValue {
			return nil, c.errf("maxBal", "acceptor %s is not a model value", p.Key)
		}
		out = append(out, p.Key.Str)
	}
	if len(out) > invariant.MaxAcceptors {
		return nil, c.errf("maxBal", "%d acceptors, at most %d", len(out), invariant.MaxAcceptors)
	}
	slices.SortFunc(out, naturalCompare)
	return out, nil
}

// naturalCompare orders names by their non-digit prefix, then by the
// number that ends them, so that a2 comes before a10.
func naturalCompare(x, y string) int {
	xp, xn := splitNumber(x)
	yp, yn := splitNumber(y)
	if c := cmp.Compare(xp, yp); c != 0 {
		return c
	}
	if c := cmp.Compare(xn, yn); c != 0 {
		return c
	}
	return cmp.Compare(x, y)
}

func splitNumber(s string) (string, int) {
	i := len(s)
	for i > 0 && '0' <= s[i-1] && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil || i == len(s) {
		return s, -1
	}
	return s[:i], n
}

func (c *conv) accIndex(name string, x tlc.Value) (int, error) {
	if x.Kind == tlc.ModelValue {
		if i := slices.Index(c.acc, x.Str); i >= 0 {
			return i, nil
		}
	}
	return 0, c.errf(name, "%s is not an acceptor (acceptors: %s)", x, strings.Join(c.acc, ", "))
}

func perAcceptor[T any](c *conv, name string, v tlc.Value, elem func(string, tlc.Value) (T, error)) ([]T, error) {
	ps, ok := entries(v)
	if !ok {
		return nil, c.errf(name, "want a function of the acceptors, got a %s", v.Kind)
	}
	if len(ps) != len(c.acc) {
		return nil, c.errf(name, "has %d entries for %d acceptors", len(ps), len(c.acc))
	}
	out := make([]T, len(c.acc))
	for _, p := range ps {
		i, err := c.accIndex(name, p.Key)
		if err != nil {
			return nil, err
		}
		if out[i], err = elem(name, p.Val); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ballot maps a spec ballot (a natural, or -1 for none) to an int; TypeOK
// judges its range.
func (c *conv) ballot(name string, v tlc.Value) (int, error) {
	if v.Kind != tlc.Int {
		return 0, c.errf(name, "ballot %s is not an integer", v)
	}
	return v.Int, nil
}

// value maps a spec value or None to a paxos.Value.
func (c *conv) value(name string, v tlc.Value) (paxos.Value, error) {
	switch {
	case v.Kind == tlc.ModelValue && v.Str == NoneName:
		return paxos.None, nil
	case v.Kind == tlc.ModelValue:
		return paxos.Value(v.Str), nil
	case v.Kind == tlc.String && v.Str != "":
		return paxos.Value(v.Str), nil
	}
	return "", c.errf(name, "%s is not a value (a model value or a non-empty string)", v)
}

func (c *conv) valueSet(name string, v tlc.Value) ([]paxos.Value, error) {
	if v.Kind != tlc.Set {
		return nil, c.errf(name, "want a set of values, got a %s", v.Kind)
	}
	var out []paxos.Value
	for _, e := range v.Elems {
		x, err := c.value(name, e)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out, nil
}

// msgFields are the record fields of each message type in spec/Paxos.tla.
var msgFields = map[string][]string{
	"1a": {"type", "bal"},
	"1b": {"type", "bal", "acc", "mbal", "mval"},
	"2a": {"type", "bal", "val"},
	"2b": {"type", "bal", "acc", "val"},
}

func (c *conv) msgs(v tlc.Value) ([]invariant.Msg, error) {
	if v.Kind != tlc.Set {
		return nil, c.errf("msgs", "want a set of message records, got a %s", v.Kind)
	}
	var out []invariant.Msg
	for _, r := range v.Elems {
		if r.Kind != tlc.Record {
			return nil, c.errf("msgs", "element %s is not a record", r)
		}
		t, _ := r.Field("type")
		fields, ok := msgFields[t.Str]
		if t.Kind != tlc.String || !ok {
			return nil, c.errf("msgs", "message %s: type is not \"1a\", \"1b\", \"2a\" or \"2b\"", r)
		}
		if len(r.Pairs) != len(fields) {
			return nil, c.errf("msgs", "message %s: a %s has exactly the fields %s", r, t.Str, strings.Join(fields, ", "))
		}
		for _, f := range fields {
			if _, ok := r.Field(f); !ok {
				return nil, c.errf("msgs", "message %s: a %s has exactly the fields %s", r, t.Str, strings.Join(fields, ", "))
			}
		}
		if t.Str == "1a" {
			continue
		}
		m := invariant.Msg{Type: t.Str, Acc: -1, MBal: -1}
		var err error
		bal, _ := r.Field("bal")
		if m.Bal, err = c.ballot("msgs", bal); err != nil {
			return nil, err
		}
		if acc, ok := r.Field("acc"); ok {
			if m.Acc, err = c.accIndex("msgs", acc); err != nil {
				return nil, err
			}
		}
		if mbal, ok := r.Field("mbal"); ok {
			if m.MBal, err = c.ballot("msgs", mbal); err != nil {
				return nil, err
			}
		}
		if mval, ok := r.Field("mval"); ok {
			if m.MVal, err = c.value("msgs", mval); err != nil {
				return nil, err
			}
		}
		if val, ok := r.Field("val"); ok {
			if m.Val, err = c.value("msgs", val); err != nil {
				return nil, err
			}
		}
		out = append(out, m)
	}
	return out, nil
}
