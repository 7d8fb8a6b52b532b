package storage

import (
	"errors"
	"sync"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// ErrCorrupt is wrapped by every error about a stored state that cannot be
// trusted: bad magic, bad length, checksum mismatch, malformed payload.
var ErrCorrupt = errors.New("stored state is corrupt")

// ErrVersion is wrapped when a stored state carries a format version this
// code does not know. The checksum was valid, so the file is intact but
// written by a newer (or older, unsupported) program.
var ErrVersion = errors.New("unsupported stored state version")

// ErrClosed is returned by a Store used after Close.
var ErrClosed = errors.New("store is closed")

// Store is stable storage for one node's durable state.
type Store interface {
	// Load returns the last state saved. A store that was never saved to
	// returns the zero state and no error. A state that cannot be read
	// back exactly is an error (wrapping ErrCorrupt or ErrVersion), never
	// the zero or an older state.
	Load() (paxos.Durable, error)
	// Save makes d durable before it returns: after a crash at any later
	// point, Load returns d (or a state saved after it).
	Save(d paxos.Durable) error
	// Close releases the store; later calls fail with ErrClosed.
	Close() error
}

// MemStore is a Store in memory. It outlives the simulated crash of the
// node that uses it (the runner, not the node, owns it) but not the
// process. The zero MemStore is ready to use and holds the zero state.
type MemStore struct {
	mu     sync.Mutex
	d      paxos.Durable
	closed bool
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{} }

// Load returns the last saved state.
func (s *MemStore) Load() (paxos.Durable, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return paxos.Durable{}, ErrClosed
	}
	return s.d, nil
}

// Save replaces the stored state with d. Durable is a plain value (Value
// is an immutable string), so the store shares nothing with the caller.
func (s *MemStore) Save(d paxos.Durable) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.d = d
	return nil
}

// Close marks the store closed.
func (s *MemStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// Slot is a Store over a Durable that the caller keeps: a simulated node's
// storage inside a world state, which is copied as a plain value
// (checker/world). Save writes the Durable, Load reads it; it never fails
// and has nothing to close.
type Slot struct{ D *paxos.Durable }

var _ Store = Slot{}

// Load returns the Durable.
func (s Slot) Load() (paxos.Durable, error) { return *s.D, nil }

// Save overwrites the Durable with d.
func (s Slot) Save(d paxos.Durable) error { *s.D = d; return nil }

// Close does nothing.
func (s Slot) Close() error { return nil }
