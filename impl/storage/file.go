package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// TempSuffix is appended to a FileStore's path to name the temporary file
// that a Save writes before renaming it into place.
const TempSuffix = ".tmp"

// FileStore keeps one node's durable state in one file, replaced whole on
// every Save by write-temp, fsync, rename, fsync-directory (see the package
// comment for why that is crash-safe). It is safe for concurrent use, though
// a node only ever has one step in flight.
type FileStore[D any] struct {
	// NoSync skips every fsync, so that a Save is only as durable as the
	// page cache: a kill -9 keeps it, a power loss may not. For
	// benchmarks that measure what fsync costs, never for a node that
	// must keep its promises.
	NoSync bool
	codec  Codec[D]
	mu     sync.Mutex
	path   string
	closed bool
}

// OpenFile returns a FileStore at path. The directory must exist; the file
// need not (a missing file is the zero state: a node that never persisted
// anything). Open does not read the file: Load does, so that a corrupt file
// is reported where the state is needed.
func OpenFile[D any](path string, c Codec[D]) (*FileStore[D], error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	return &FileStore[D]{path: path, codec: c}, nil
}

// checkPath checks that a store's file may be at path: its directory
// exists, and path is not a directory.
func checkPath(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("storage: open %s: %w", path, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("storage: open %s: %s is not a directory", path, dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("storage: open %s: is a directory", path)
	}
	return nil
}

// Path returns the file the store keeps its state in.
func (s *FileStore[D]) Path() string { return s.path }

// Load reads the state from disk. A missing file is the zero state; a file
// that is not exactly an image written by Save is an error wrapping
// ErrCorrupt (or ErrVersion), naming the file.
func (s *FileStore[D]) Load() (D, error) {
	var zero D
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return zero, ErrClosed
	}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return zero, nil
	}
	if err != nil {
		return zero, fmt.Errorf("storage: load: %w", err)
	}
	d, err := Decode(s.codec, b)
	if err != nil {
		return zero, fmt.Errorf("storage: load %s: %w", s.path, err)
	}
	return d, nil
}

// Save makes d durable: it returns only after the new file and the rename
// that put it in place have both been synced to disk (with NoSync: only
// written).
func (s *FileStore[D]) Save(d D) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	img, err := Encode(s.codec, d)
	if err != nil {
		return err
	}
	tmp := s.path + TempSuffix
	if err := writeSynced(tmp, img, !s.NoSync); err != nil {
		return fmt.Errorf("storage: save: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("storage: save: %w", err)
	}
	if s.NoSync {
		return nil
	}
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		return fmt.Errorf("storage: save: %w", err)
	}
	return nil
}

// writeSynced writes b to a fresh file at name and fsyncs it (when fsync).
func writeSynced(name string, b []byte, fsync bool) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if fsync {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// syncDir fsyncs a directory so that a rename inside it is durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Close marks the store closed. The file stays.
func (s *FileStore[D]) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
