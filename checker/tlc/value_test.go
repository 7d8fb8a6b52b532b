package tlc

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

func mv(s string) Value     { return Value{Kind: ModelValue, Str: s} }
func iv(n int) Value        { return Value{Kind: Int, Int: n} }
func sv(s string) Value     { return Value{Kind: String, Str: s} }
func set(e ...Value) Value  { return Value{Kind: Set, Elems: e} }
func fn(kv ...Value) Value  { return Value{Kind: Func, Pairs: pairs(kv)} }
func rec(kv ...Value) Value { return Value{Kind: Record, Pairs: pairs(kv)} }

func pairs(kv []Value) []Pair {
	var out []Pair
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Pair{Key: kv[i], Val: kv[i+1]})
	}
	return out
}

func TestParseValue(t *testing.T) {
	tests := []struct {
		name, in string
		want     Value
	}{
		{"integer", "42", iv(42)},
		{"negative", "-1", iv(-1)},
		{"string", `"1b"`, sv("1b")},
		{"string escapes", `"a\"b\\c\nd"`, sv("a\"b\\c\nd")},
		{"model value", "a1", mv("a1")},
		{"None", "None", mv("None")},
		{"boolean", "TRUE", Value{Kind: Bool, Str: "TRUE"}},
		{"empty set", "{}", Value{Kind: Set}},
		{"set", "{v1, v2}", set(mv("v1"), mv("v2"))},
		{"tuple", "<<1, \"x\">>", Value{Kind: Tuple, Elems: []Value{iv(1), sv("x")}}},
		{"empty tuple", "<<>>", Value{Kind: Tuple}},
		{"function", "(a1 :> 0 @@ a2 :> -1)", fn(mv("a1"), iv(0), mv("a2"), iv(-1))},
		{"function of one", "(a1 :> None)", fn(mv("a1"), mv("None"))},
		{"record", `[type |-> "2a", bal |-> 1, val |-> v1]`,
			rec(sv("type"), sv("2a"), sv("bal"), iv(1), sv("val"), mv("v1"))},
		{"record as function", "[a1 |-> 0, a2 |-> -1]", rec(sv("a1"), iv(0), sv("a2"), iv(-1))},
		{"multi-line set of records", "{ [type |-> \"1a\", bal |-> 0],\n  [type |-> \"1a\", bal |-> 1] }",
			set(rec(sv("type"), sv("1a"), sv("bal"), iv(0)), rec(sv("type"), sv("1a"), sv("bal"), iv(1)))},
		{"nested", "{<<{}, (1 :> {a})>>}", set(Value{Kind: Tuple, Elems: []Value{{Kind: Set}, fn(iv(1), set(mv("a")))}})},
		{"surrounding space", "  7 \n", iv(7)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseValue(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("ParseValue(%q) (-want +got):\n%s", tc.in, d)
			}
		})
	}
}

func TestParseValueMalformed(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "want a value, found end of input"},
		{"unclosed set", "{1, 2", `want "," or "}", found end of input`},
		{"unclosed string", `"abc`, "string not closed"},
		{"string across lines", "\"ab\ncd\"", "string not closed before the end of the line"},
		{"bad escape", `"a\qb"`, `unknown escape \q`},
		{"lone minus", "-", "want a value"},
		{"huge integer", "99999999999999999999999", "out of range"},
		{"integer glued to a name", "12ab", "integer 12 followed by"},
		{"trailing text", "1 2", "unexpected \"2\" after the value"},
		{"missing comma", "{1 2}", `want "," or "}"`},
		{"function without :>", "(a1 0)", `want ":>"`},
		{"function without @@", "(a1 :> 0, a2 :> 1)", `want "@@" or ")"`},
		{"function key twice", "(a1 :> 0 @@ a1 :> 1)", "function maps a1 twice"},
		{"record without |->", "[type = 1]", `want "|->"`},
		{"record field twice", "[a |-> 1, a |-> 2]", "record field a given twice"},
		{"empty record", "[]", "empty record"},
		{"record field not a name", `["a" |-> 1]`, "want a record field name"},
		{"stray bracket", "}", "want a value, found \"}\""},
		{"too deep", strings.Repeat("{", maxDepth+2), "nested deeper than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseValue(tc.in)
			if err == nil {
				t.Fatalf("ParseValue(%q) = nil error, want %q", tc.in, tc.want)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v does not wrap ErrSyntax", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q, want one line containing %q", msg, tc.want)
			}
		})
	}
}

// genValue draws a value of any kind, nested at most depth deep, with
// distinct record field names and function keys (as TLC prints them).
func genValue(depth int) *rapid.Generator[Value] {
	return rapid.Custom(func(t *rapid.T) Value {
		kinds := []Kind{Int, String, ModelValue, Bool}
		if depth > 0 {
			kinds = append(kinds, Set, Tuple, Record, Func)
		}
		switch k := rapid.SampledFrom(kinds).Draw(t, "kind"); k {
		case Int:
			return iv(rapid.IntRange(-5, 1000).Draw(t, "int"))
		case String:
			return sv(rapid.StringMatching(`[ -~\n\t]{0,6}`).Draw(t, "str"))
		case ModelValue:
			return mv(rapid.StringMatching(`[a-zA-Z_][a-zA-Z0-9_]{0,4}`).Filter(func(s string) bool {
				return s != "TRUE" && s != "FALSE"
			}).Draw(t, "model"))
		case Bool:
			return Value{Kind: Bool, Str: rapid.SampledFrom([]string{"TRUE", "FALSE"}).Draw(t, "bool")}
		case Set, Tuple:
			return Value{Kind: k, Elems: rapid.SliceOfN(genValue(depth-1), 0, 3).Draw(t, "elems")}
		case Record:
			names := rapid.SliceOfNDistinct(rapid.StringMatching(`[a-z][a-z0-9]{0,3}`), 1, 3, rapid.ID[string]).Draw(t, "fields")
			v := Value{Kind: Record}
			for _, n := range names {
				v.Pairs = append(v.Pairs, Pair{Key: sv(n), Val: genValue(depth-1).Draw(t, "field")})
			}
			return v
		default:
			keys := rapid.SliceOfNDistinct(genValue(depth-1), 1, 3, Value.String).Draw(t, "keys")
			v := Value{Kind: Func}
			for _, k := range keys {
				v.Pairs = append(v.Pairs, Pair{Key: k, Val: genValue(depth-1).Draw(t, "val")})
			}
			return v
		}
	})
}

// TestValueRoundTrip: printing a value in TLC's syntax and parsing it back
// gives the value again.
func TestValueRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := genValue(3).Draw(t, "value")
		got, err := ParseValue(v.String())
		if err != nil {
			t.Fatalf("ParseValue(%q): %v", v.String(), err)
		}
		if d := cmp.Diff(v, got, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("round trip of %q (-want +got):\n%s", v.String(), d)
		}
	})
}

// TestParseNeverPanics: arbitrary text, and printed values with one byte
// changed, give a value or a one-line error, never a panic.
func TestParseNeverPanics(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := rapid.OneOf(
			rapid.String(),
			rapid.Custom(func(t *rapid.T) string {
				s := []byte(genValue(3).Draw(t, "value").String())
				i := rapid.IntRange(0, len(s)-1).Draw(t, "at")
				s[i] = rapid.SampledFrom([]byte("{}[]()<>,:@|-\"\\ \na1")).Draw(t, "byte")
				return string(s)
			}),
		).Draw(t, "text")
		if _, err := ParseValue(text); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("ParseValue error spans lines: %q", err)
		}
		if _, err := ParseString(text); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("Parse error spans lines: %q", err)
		}
	})
}
