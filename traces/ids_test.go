package traces

import "testing"

// TestBook: ids are given from 1 in order; of equal messages the oldest
// copy is taken first; a message not in flight has none.
func TestBook(t *testing.T) {
	var b Book[string]
	if b.Send("a") != 1 || b.Send("b") != 2 || b.Send("a") != 3 {
		t.Fatal("ids not 1, 2, 3")
	}
	if id, ok := b.Oldest("a"); !ok || id != 1 {
		t.Fatalf("Oldest(a) = %d, %v", id, ok)
	}
	if b.Take("a") != 1 || b.Take("a") != 3 || b.Take("a") != 0 {
		t.Fatal("copies of a not taken oldest first, or taken once too often")
	}
	if _, ok := b.Oldest("c"); ok || b.Take("c") != 0 {
		t.Fatal("a message never sent is in flight")
	}
}
