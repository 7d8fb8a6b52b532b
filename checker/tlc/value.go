package tlc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrSyntax is wrapped by every error about text that is not a TLC error
// trace or not a TLA+ value as TLC prints it.
var ErrSyntax = errors.New("malformed TLC output")

// SyntaxError locates a syntax problem: Line is 1-based within the input
// (0 when the input is a single value), Col 1-based within that line.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

// Error implements error; the message is one line.
func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("col %d: %s", e.Col, e.Msg)
	}
	return fmt.Sprintf("line %d col %d: %s", e.Line, e.Col, e.Msg)
}

// Unwrap makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Kind says which of TLC's printed value forms a Value is.
type Kind int

// The value forms TLC prints. TLC prints a record [f |-> v] and a function
// (k :> v @@ ..) differently; a function whose domain is 1..n is printed
// as a tuple <<..>>.
const (
	Int        Kind = iota + 1 // -1, 0, 42
	String                     // "1b"
	ModelValue                 // a model value or other bare identifier: a1, v1, None
	Bool                       // TRUE, FALSE
	Set                        // {e1, e2}
	Tuple                      // <<e1, e2>>
	Record                     // [f1 |-> e1, f2 |-> e2]
	Func                       // (k1 :> e1 @@ k2 :> e2)
)

var kindNames = [...]string{Int: "integer", String: "string", ModelValue: "model value", Bool: "boolean",
	Set: "set", Tuple: "tuple", Record: "record", Func: "function"}

// String names the kind, for error messages.
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Value is one TLA+ value as TLC printed it. Only the fields of its Kind
// are set: Int for Int; Str for String (unquoted), Model (the name) and
// Bool ("TRUE"/"FALSE"); Elems for Set and Tuple (in printed order); Pairs
// for Record (Key is a String holding the field name) and Func.
type Value struct {
	Kind  Kind
	Int   int
	Str   string
	Elems []Value
	Pairs []Pair
}

// Pair is one field of a record or one k :> v of a function.
type Pair struct {
	Key, Val Value
}

// Field returns the value of record field name.
func (v Value) Field(name string) (Value, bool) {
	if v.Kind != Record {
		return Value{}, false
	}
	for _, p := range v.Pairs {
		if p.Key.Str == name {
			return p.Val, true
		}
	}
	return Value{}, false
}

// String prints v back in TLC's syntax (single line), so that
// ParseValue(v.String()) gives v again.
func (v Value) String() string {
	var b strings.Builder
	v.write(&b)
	return b.String()
}

func (v Value) write(b *strings.Builder) {
	switch v.Kind {
	case Int:
		b.WriteString(strconv.Itoa(v.Int))
	case String:
		b.WriteString(strconv.Quote(v.Str))
	case ModelValue, Bool:
		b.WriteString(v.Str)
	case Set, Tuple:
		open, close := "{", "}"
		if v.Kind == Tuple {
			open, close = "<<", ">>"
		}
		b.WriteString(open)
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			e.write(b)
		}
		b.WriteString(close)
	case Record:
		b.WriteByte('[')
		for i, p := range v.Pairs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.Key.Str)
			b.WriteString(" |-> ")
			p.Val.write(b)
		}
		b.WriteByte(']')
	case Func:
		b.WriteByte('(')
		for i, p := range v.Pairs {
			if i > 0 {
				b.WriteString(" @@ ")
			}
			p.Key.write(b)
			b.WriteString(" :> ")
			p.Val.write(b)
		}
		b.WriteByte(')')
	default:
		b.WriteString("<invalid>")
	}
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 100

// scanner reads TLA+ values from text that may span several lines; line
// and col are those of pos, offset by the line the text starts at.
type scanner struct {
	src       string
	pos       int
	line, col int // of pos
	baseLine  int // 0: single value, no line numbers
}

func newScanner(src string, baseLine int) *scanner {
	return &scanner{src: src, line: baseLine, col: 1, baseLine: baseLine}
}

func (s *scanner) errf(format string, args ...any) error {
	line := s.line
	if s.baseLine == 0 {
		line = 0
	}
	return &SyntaxError{Line: line, Col: s.col, Msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) advance(n int) {
	for i := 0; i < n && s.pos < len(s.src); i++ {
		if s.src[s.pos] == '\n' {
			s.line++
			s.col = 1
		} else {
			s.col++
		}
		s.pos++
	}
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.advance(1)
		default:
			return
		}
	}
}

func (s *scanner) eof() bool { s.skipSpace(); return s.pos >= len(s.src) }

// peek reports whether the next token starts with tok.
func (s *scanner) peek(tok string) bool {
	s.skipSpace()
	return strings.HasPrefix(s.src[s.pos:], tok)
}

func (s *scanner) accept(tok string) bool {
	if s.peek(tok) {
		s.advance(len(tok))
		return true
	}
	return false
}

func (s *scanner) expect(tok string) error {
	if !s.accept(tok) {
		return s.errf("want %q, found %s", tok, s.near())
	}
	return nil
}

// near describes the text at pos for an error message.
func (s *scanner) near() string {
	s.skipSpace()
	if s.pos >= len(s.src) {
		return "end of input"
	}
	rest := s.src[s.pos:]
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	if len(rest) > 20 {
		rest = rest[:20] + "..."
	}
	return strconv.Quote(rest)
}

func isIdentStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isIdent(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' }

// ident reads an identifier (TLA+ allows a leading digit when a letter
// follows, as in 1a; TLC's model values here never need it).
func (s *scanner) ident() (string, bool) {
	s.skipSpace()
	start := s.pos
	if start >= len(s.src) || !isIdentStart(s.src[start]) {
		return "", false
	}
	end := start
	for end < len(s.src) && isIdent(s.src[end]) {
		end++
	}
	s.advance(end - start)
	return s.src[start:end], true
}

// ParseValue reads one TLA+ value as TLC prints it; text after the value
// (other than white space) is an error.
func ParseValue(text string) (Value, error) {
	s := newScanner(text, 0)
	v, err := s.value(0)
	if err != nil {
		return Value{}, err
	}
	if !s.eof() {
		return Value{}, s.errf("unexpected %s after the value", s.near())
	}
	return v, nil
}

func (s *scanner) value(depth int) (Value, error) {
	if depth > maxDepth {
		return Value{}, s.errf("values nested deeper than %d", maxDepth)
	}
	s.skipSpace()
	if s.pos >= len(s.src) {
		return Value{}, s.errf("want a value, found end of input")
	}
	switch c := s.src[s.pos]; {
	case c == '"':
		return s.str()
	case c == '-' || '0' <= c && c <= '9':
		return s.integer()
	case c == '{':
		s.advance(1)
		elems, err := s.list("}", depth)
		return Value{Kind: Set, Elems: elems}, err
	case strings.HasPrefix(s.src[s.pos:], "<<"):
		s.advance(2)
		elems, err := s.list(">>", depth)
		return Value{Kind: Tuple, Elems: elems}, err
	case c == '[':
		s.advance(1)
		return s.record(depth)
	case c == '(':
		s.advance(1)
		return s.function(depth)
	case isIdentStart(c):
		id, _ := s.ident()
		if id == "TRUE" || id == "FALSE" {
			return Value{Kind: Bool, Str: id}, nil
		}
		return Value{Kind: ModelValue, Str: id}, nil
	default:
		return Value{}, s.errf("want a value, found %s", s.near())
	}
}

func (s *scanner) integer() (Value, error) {
	start := s.pos
	end := start
	if end < len(s.src) && s.src[end] == '-' {
		end++
	}
	digits := end
	for end < len(s.src) && '0' <= s.src[end] && s.src[end] <= '9' {
		end++
	}
	if end == digits {
		return Value{}, s.errf("want a value, found %s", s.near())
	}
	n, err := strconv.Atoi(s.src[start:end])
	if err != nil {
		return Value{}, s.errf("integer %s out of range", s.src[start:end])
	}
	if end < len(s.src) && isIdentStart(s.src[end]) {
		return Value{}, s.errf("integer %s followed by %q", s.src[start:end], s.src[end])
	}
	s.advance(end - start)
	return Value{Kind: Int, Int: n}, nil
}

// str reads a TLA+ string literal: TLC escapes \" \\ \n \t \r \f.
func (s *scanner) str() (Value, error) {
	s.advance(1)
	var b strings.Builder
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch c {
		case '"':
			s.advance(1)
			return Value{Kind: String, Str: b.String()}, nil
		case '\n':
			return Value{}, s.errf("string not closed before the end of the line")
		case '\\':
			if s.pos+1 >= len(s.src) {
				return Value{}, s.errf("string not closed")
			}
			switch e := s.src[s.pos+1]; e {
			case '"', '\\':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'f':
				b.WriteByte('\f')
			default:
				// Quote the escaped character so that the error stays on
				// one line even for a backslash before a newline.
				q := strconv.Quote(string(rune(e)))
				return Value{}, s.errf("unknown escape \\%s in a string", q[1:len(q)-1])
			}
			s.advance(2)
		default:
			b.WriteByte(c)
			s.advance(1)
		}
	}
	return Value{}, s.errf("string not closed")
}

// list reads "e1, e2, ..." up to close (already past the opening bracket).
func (s *scanner) list(close string, depth int) ([]Value, error) {
	var out []Value
	if s.accept(close) {
		return out, nil
	}
	for {
		v, err := s.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if s.accept(close) {
			return out, nil
		}
		if err := s.expect(","); err != nil {
			return nil, s.errf("want \",\" or %q, found %s", close, s.near())
		}
	}
}

// record reads "f1 |-> e1, ...]" (past the "[").
func (s *scanner) record(depth int) (Value, error) {
	v := Value{Kind: Record}
	if s.accept("]") {
		return Value{}, s.errf("empty record []")
	}
	for {
		name, ok := s.ident()
		if !ok {
			return Value{}, s.errf("want a record field name, found %s", s.near())
		}
		if _, dup := v.Field(name); dup {
			return Value{}, s.errf("record field %s given twice", name)
		}
		if err := s.expect("|->"); err != nil {
			return Value{}, err
		}
		e, err := s.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		v.Pairs = append(v.Pairs, Pair{Key: Value{Kind: String, Str: name}, Val: e})
		if s.accept("]") {
			return v, nil
		}
		if err := s.expect(","); err != nil {
			return Value{}, s.errf("want \",\" or \"]\", found %s", s.near())
		}
	}
}

// function reads "k1 :> e1 @@ k2 :> e2)" (past the "(").
func (s *scanner) function(depth int) (Value, error) {
	v := Value{Kind: Func}
	for {
		k, err := s.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		if err := s.expect(":>"); err != nil {
			return Value{}, err
		}
		e, err := s.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		for _, p := range v.Pairs {
			if p.Key.String() == k.String() {
				return Value{}, s.errf("function maps %s twice", k)
			}
		}
		v.Pairs = append(v.Pairs, Pair{Key: k, Val: e})
		if s.accept(")") {
			return v, nil
		}
		if err := s.expect("@@"); err != nil {
			return Value{}, s.errf("want \"@@\" or \")\", found %s", s.near())
		}
	}
}
