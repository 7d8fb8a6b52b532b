package storage

import (
	"errors"
	"sync"
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

// Store is stable storage for one node's durable state, of the protocol's
// type D (a plain value, such as paxos.Durable).
type Store[D any] interface {
	// Load returns the last state saved. A store that was never saved to
	// returns the zero state and no error. A state that cannot be read
	// back exactly is an error (wrapping ErrCorrupt or ErrVersion), never
	// the zero or an older state.
	Load() (D, error)
	// Save makes d durable before it returns: after a crash at any later
	// point, Load returns d (or a state saved after it).
	Save(d D) error
	// Close releases the store; later calls fail with ErrClosed.
	Close() error
}

// MemStore is a Store in memory. It outlives the simulated crash of the
// node that uses it (the runner, not the node, owns it) but not the
// process. The zero MemStore is ready to use and holds the zero state.
type MemStore[D any] struct {
	mu     sync.Mutex
	d      D
	closed bool
}

// NewMemStore returns an empty MemStore.
func NewMemStore[D any]() *MemStore[D] { return &MemStore[D]{} }

// Load returns the last saved state.
func (s *MemStore[D]) Load() (D, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		var zero D
		return zero, ErrClosed
	}
	return s.d, nil
}

// Save replaces the stored state with d. D is a plain value, so the store
// shares nothing with the caller.
func (s *MemStore[D]) Save(d D) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.d = d
	return nil
}

// Close marks the store closed.
func (s *MemStore[D]) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// Slot is a Store over a state that the caller keeps: a simulated node's
// storage inside a world state, which is copied as a plain value
// (checker/paxos/world). Save writes it, Load reads it; it never fails and has
// nothing to close.
type Slot[D any] struct{ D *D }

// Load returns the state.
func (s Slot[D]) Load() (D, error) { return *s.D, nil }

// Save overwrites the state with d.
func (s Slot[D]) Save(d D) error { *s.D = d; return nil }

// Close does nothing.
func (s Slot[D]) Close() error { return nil }
