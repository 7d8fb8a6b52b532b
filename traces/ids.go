package traces

import (
	"encoding/json"
	"fmt"
)

// IDs is a list of node ids of a protocol (any byte-sized id type),
// written as a JSON array of numbers: encoding/json would write a plain
// slice of uint8 as a base64 string. A []T assigns to IDs[T] and back.
type IDs[T ~uint8] []T

// MarshalJSON writes ids as [0,1,2] (null when nil).
func (ids IDs[T]) MarshalJSON() ([]byte, error) {
	if ids == nil {
		return []byte("null"), nil
	}
	xs := make([]int, len(ids))
	for i, id := range ids {
		xs[i] = int(id)
	}
	return json.Marshal(xs)
}

// UnmarshalJSON reads an array of numbers, each 0..255. (Into a []uint8
// encoding/json would also take a base64 string: it decodes as []int.)
func (ids *IDs[T]) UnmarshalJSON(b []byte) error {
	var xs []int
	if err := json.Unmarshal(b, &xs); err != nil {
		return err
	}
	if xs == nil {
		*ids = nil
		return nil
	}
	out := make(IDs[T], len(xs))
	for i, x := range xs {
		if x < 0 || x > 255 {
			return fmt.Errorf("node id %d out of range 0..255", x)
		}
		out[i] = T(x)
	}
	*ids = out
	return nil
}

// Book gives every message a recorder writes a stable id: Send gives a
// new message the next id (from 1); Take returns the id of the oldest
// copy of m in flight and forgets it (0: none), for the step that
// consumes it; Oldest returns it without forgetting (a duplication's
// original). Copies with equal contents are interchangeable, so the
// oldest is consumed first. The zero Book is ready.
type Book[M comparable] struct {
	flight map[M][]int
	last   int
}

// Send records a new message m in flight and returns its id.
func (b *Book[M]) Send(m M) int {
	if b.flight == nil {
		b.flight = map[M][]int{}
	}
	b.last++
	b.flight[m] = append(b.flight[m], b.last)
	return b.last
}

// Oldest is the id of the oldest copy of m in flight (ok false: none).
func (b *Book[M]) Oldest(m M) (id int, ok bool) {
	if ids := b.flight[m]; len(ids) > 0 {
		return ids[0], true
	}
	return 0, false
}

// Take forgets the oldest copy of m in flight and returns its id (0:
// none was).
func (b *Book[M]) Take(m M) int {
	ids := b.flight[m]
	if len(ids) == 0 {
		return 0
	}
	if len(ids) == 1 {
		delete(b.flight, m)
	} else {
		b.flight[m] = ids[1:]
	}
	return ids[0]
}
