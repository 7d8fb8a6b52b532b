package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// LogCodec is how a LogStore writes a protocol's durable state D: whole
// (Codec), or as the change from the state before (Diff), which Patch
// applies. A change is itself a D (for Multi-Paxos: the promise and round,
// and only the votes that changed: multipaxos.Delta), encoded by Codec.
// Diff returns false where no change can say it; the store then writes
// the whole state.
type LogCodec[D any] struct {
	Codec[D]
	Diff  func(prev, next D) (change D, ok bool)
	Patch func(prev, change D) D
}

// Log format constants (see the package comment, "Log format").
const (
	// LogMagic opens every log file.
	LogMagic = "PXLG"
	// LogVersion is the log format version this code writes and reads.
	LogVersion = 1

	logHeaderLen = len(LogMagic) + 1
	recHeaderLen = 4 + 1 // payload length, kind
	recWhole     = 0
	recChange    = 1
)

// LogStore keeps a node's durable state in one append-only file: each
// Save appends the change from the state before (a record of a few bytes
// where a FileStore rewrites the whole state) and fsyncs it; when the
// changes outgrow the last whole state, the store writes a fresh file of
// one whole record (temporary file, fsync, rename, fsync of the
// directory, as FileStore does). The package comment says why a torn last
// record is safe to drop and anything else torn is corrupt.
//
// DESIGN.md proposes bbolt for a real node's durable log, unless a
// measured reason says otherwise. BenchmarkAcceptorVote measures a vote
// into each, side by side: a bbolt commit syncs twice (its pages, then
// its meta page) where an append syncs once, and the lossy-disk mode
// (Lossy) needs a store that can hold a write back from the file, which
// bbolt's pages cannot. So the log is this one, of about 300 lines with
// its format in the package comment, and no new dependency of the code
// (bbolt is the benchmark's only).
type LogStore[D any] struct {
	// NoSync skips every fsync, as FileStore.NoSync does: for benchmarks.
	NoSync bool
	// Lossy makes writes reach the file only when they are synced, as a
	// power loss would have it: a Save that does not sync (NoSync) keeps
	// its state in this process's memory, where Load finds it, and writes
	// nothing, so that a kill -9 of the process loses it. (The kernel's
	// page cache would keep it through a kill -9; only a power loss
	// empties it, and a test cannot cut the power.) A Save that syncs
	// writes what changed since the file's state. The nemesis's
	// lossy-disk mode.
	Lossy bool

	codec  LogCodec[D]
	mu     sync.Mutex
	path   string
	closed bool
	read   bool // the file has been read: disk, mem, size and whole are known
	disk   D    // what the file holds
	mem    D    // the last state saved (ahead of disk: Lossy, unsynced)
	f      *os.File
	size   int64 // the file's length up to its last whole record
	whole  int64 // the size of the file's last whole record
	torn   bool  // the file has a torn record after size, to cut before appending
}

// OpenLog returns a LogStore at path. The directory must exist; the file
// need not (a missing file is the zero state).
func OpenLog[D any](path string, c LogCodec[D]) (*LogStore[D], error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	return &LogStore[D]{path: path, codec: c}, nil
}

// Path returns the log's file.
func (s *LogStore[D]) Path() string { return s.path }

// Load returns the last state saved: read from the file the first time,
// after that the state this store last saved.
func (s *LogStore[D]) Load() (D, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var zero D
	if s.closed {
		return zero, ErrClosed
	}
	if err := s.readFile(); err != nil {
		return zero, err
	}
	return s.mem, nil
}

// readFile reads the log once.
func (s *LogStore[D]) readFile() error {
	if s.read {
		return nil
	}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		s.read = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("storage: load: %w", err)
	}
	d, size, whole, err := decodeLog(s.codec, b)
	if err != nil {
		return fmt.Errorf("storage: load %s: %w", s.path, err)
	}
	s.disk, s.mem, s.size, s.whole, s.torn, s.read = d, d, size, whole, size < int64(len(b)), true
	return nil
}

// decodeLog reads a log image: the state its records make, the length up
// to the last whole record (a torn last record is left out) and the size
// of the last whole-state record.
func decodeLog[D any](c LogCodec[D], b []byte) (d D, size, whole int64, err error) {
	if len(b) < logHeaderLen {
		// A header is written whole, by rename: a shorter file did not
		// come from this store.
		return d, 0, 0, fmt.Errorf("%w: %d bytes, shorter than the log header", ErrCorrupt, len(b))
	}
	if string(b[:len(LogMagic)]) != LogMagic {
		return d, 0, 0, fmt.Errorf("%w: bad magic %q", ErrCorrupt, b[:len(LogMagic)])
	}
	if v := b[len(LogMagic)]; v != LogVersion {
		return d, 0, 0, fmt.Errorf("%w: log version %d, this program reads %d", ErrVersion, v, LogVersion)
	}
	if len(b) == logHeaderLen {
		return d, 0, 0, fmt.Errorf("%w: a log header and no state", ErrCorrupt)
	}
	off := logHeaderLen
	for n := 0; off < len(b); n++ {
		rest := b[off:]
		torn := func() (D, int64, int64, error) {
			if n == 0 {
				// The whole state is written by rename, never torn.
				return d, 0, 0, fmt.Errorf("%w: its first record, the whole state, is cut short (%d bytes)", ErrCorrupt, len(rest))
			}
			return d, int64(off), whole, nil // an append that never returned
		}
		if len(rest) < recHeaderLen {
			return torn()
		}
		plen := binary.LittleEndian.Uint32(rest)
		end := uint64(recHeaderLen) + uint64(plen) + crcLen
		if uint64(len(rest)) < end {
			return torn()
		}
		rec := rest[:end]
		body, sum := rec[:len(rec)-crcLen], binary.LittleEndian.Uint32(rec[len(rec)-crcLen:])
		if got := crc32.Checksum(body, castagnoli); got != sum {
			if uint64(len(rest)) == end {
				return torn() // the last record, torn inside
			}
			return d, 0, 0, fmt.Errorf("%w: record %d (byte %d): checksum %#08x, stored %#08x, and records follow it", ErrCorrupt, n, off, got, sum)
		}
		kind, p := body[4], body[recHeaderLen:]
		x, err := c.Decode(p)
		switch {
		case err != nil:
			return d, 0, 0, fmt.Errorf("%w: record %d (byte %d): %w", ErrCorrupt, n, off, err)
		case string(c.Append(x, nil)) != string(p):
			return d, 0, 0, fmt.Errorf("%w: record %d (byte %d) is not the canonical encoding of its state", ErrCorrupt, n, off)
		case kind == recWhole && n == 0:
			d, whole = x, int64(end)
		case kind == recChange && n > 0:
			d = c.Patch(d, x)
		default:
			return d, 0, 0, fmt.Errorf("%w: record %d (byte %d) of kind %d: a log is one whole state and then changes", ErrCorrupt, n, off, kind)
		}
		off += int(end)
	}
	return d, int64(off), whole, nil
}

// appendRecord appends one record of kind k holding x to buf.
func appendRecord[D any](c Codec[D], buf []byte, k byte, x D) []byte {
	start := len(buf)
	buf = append(buf, 0, 0, 0, 0, k)
	buf = c.Append(x, buf)
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(buf)-start-recHeaderLen))
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf[start:], castagnoli))
}

// Save makes d durable: its change from the file's state is appended and
// fsynced (or, when the changes have outgrown the whole state, a new file
// holding d whole replaces the log) before Save returns.
func (s *LogStore[D]) Save(d D) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.readFile(); err != nil {
		return err
	}
	if s.Lossy && s.NoSync {
		s.mem = d // unsynced: only in memory
		return nil
	}
	change, ok := s.codec.Diff(s.disk, d)
	var rec []byte
	if ok && s.whole > 0 {
		rec = appendRecord(s.codec.Codec, nil, recChange, change)
	}
	if rec == nil || s.size+int64(len(rec)) > 4*s.whole+1<<20 {
		if err := s.rewrite(d); err != nil {
			return fmt.Errorf("storage: save: %w", err)
		}
	} else if err := s.append(rec); err != nil {
		return fmt.Errorf("storage: save: %w", err)
	}
	s.disk, s.mem = d, d
	return nil
}

// append writes rec at the end of the log and syncs it.
func (s *LogStore[D]) append(rec []byte) error {
	if s.f == nil {
		f, err := os.OpenFile(s.path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		s.f = f
	}
	if s.torn {
		// A record whose append never returned: cut it, so that the
		// records after it are read.
		if err := s.f.Truncate(s.size); err != nil {
			return err
		}
		s.torn = false
	}
	if _, err := s.f.WriteAt(rec, s.size); err != nil {
		s.torn = true // part of rec may be there: cut it first next time
		return err
	}
	s.size += int64(len(rec))
	if s.NoSync {
		return nil
	}
	return s.f.Sync()
}

// rewrite replaces the log with one holding d whole.
func (s *LogStore[D]) rewrite(d D) error {
	img := append([]byte(LogMagic), LogVersion)
	img = appendRecord(s.codec.Codec, img, recWhole, d)
	tmp := s.path + TempSuffix
	if err := writeSynced(tmp, img, !s.NoSync); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return err
	}
	if !s.NoSync {
		if err := syncDir(filepath.Dir(s.path)); err != nil {
			return err
		}
	}
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	s.size, s.whole, s.torn = int64(len(img)), int64(len(img)-logHeaderLen), false
	return nil
}

// Close closes the log's file; later calls fail with ErrClosed.
func (s *LogStore[D]) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.f != nil {
		err := s.f.Close()
		s.f = nil
		return err
	}
	return nil
}
