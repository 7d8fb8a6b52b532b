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
