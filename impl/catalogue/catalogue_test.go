package catalogue

import (
	"slices"
	"strings"
	"testing"
)

type bug uint16
type bugs uint16

var table = Table[bug]{{1, "one", "the first"}, {2, "two", "the second"}, {4, "four", "the third"}}

func TestTable(t *testing.T) {
	if !slices.Equal(table.All(), []bug{1, 2, 4}) {
		t.Fatal(table.All())
	}
	if table.Name(2) != "two" || table.Doc(4) != "the third" || table.Name(8) != "bug(0x8)" || table.Doc(8) != "" {
		t.Fatal("names or docs")
	}
	if b, err := table.Parse("four"); err != nil || b != 4 {
		t.Fatal(b, err)
	}
	if _, err := table.Parse("five"); err == nil || !strings.Contains(err.Error(), `unknown bug "five" (known: one, two, four)`) {
		t.Fatal(err)
	}
	if s, err := ParseList[bugs](table, " one, four "); err != nil || s != 5 {
		t.Fatal(s, err)
	}
	if s, err := ParseList[bugs](table, ""); err != nil || s != 0 {
		t.Fatal(s, err)
	}
	if _, err := ParseList[bugs](table, "one,nope"); err == nil {
		t.Fatal("a bad name in a list was accepted")
	}
	if !slices.Equal(table.Names(6), []string{"two", "four"}) {
		t.Fatal(table.Names(6))
	}
}
