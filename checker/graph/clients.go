package graph

import (
	"math/bits"
	"strconv"
)

// MaxClients is the most clients a graph may have (a client's index is a
// uint8).
const MaxClients = 256

// Clients is a set of clients by index (State.Invoked, State.Returned,
// Common.Returned).
type Clients [MaxClients / 64]uint64

// ClientSet returns the set of the given clients.
func ClientSet(ks ...int) Clients {
	var c Clients
	for _, k := range ks {
		c.Add(k)
	}
	return c
}

// FirstClients returns the set of clients 0 to n-1.
func FirstClients(n int) Clients {
	var c Clients
	for i := 0; i < n; i++ {
		c.Add(i)
	}
	return c
}

// Has reports whether client k is in c.
func (c Clients) Has(k int) bool {
	return k >= 0 && k < MaxClients && c[k/64]&(1<<(k%64)) != 0
}

// Add puts client k into c.
func (c *Clients) Add(k int) { c[k/64] |= 1 << (k % 64) }

// Union returns the clients in c or o.
func (c Clients) Union(o Clients) Clients {
	for i := range c {
		c[i] |= o[i]
	}
	return c
}

// Minus returns the clients in c and not in o.
func (c Clients) Minus(o Clients) Clients {
	for i := range c {
		c[i] &^= o[i]
	}
	return c
}

// Len is the number of clients in c.
func (c Clients) Len() int {
	n := 0
	for _, w := range c {
		n += bits.OnesCount64(w)
	}
	return n
}

// Empty reports whether c has no client.
func (c Clients) Empty() bool { return c == Clients{} }

// words is how many of a set's words a graph of n clients encodes: one
// for up to 64 clients (so a small graph's encoding does not grow), more
// as there are more.
func words(n int) int { return max(1, (n+63)/64) }

// String lists c's clients: "0, 3".
func (c Clients) String() string {
	var b []byte
	for k := 0; k < MaxClients; k++ {
		if c.Has(k) {
			if len(b) > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, int64(k), 10)
		}
	}
	if b == nil {
		return "none"
	}
	return string(b)
}
