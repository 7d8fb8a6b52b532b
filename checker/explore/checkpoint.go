package explore

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/graph"
)

// Checkpoints (Options.Checkpoint): a breadth-first search writes, at a
// level boundary, everything it needs to go on: its counts, the
// fingerprints of every stored state, every state's parent and action,
// and the level about to be expanded. A search that checkpoints has no
// reduction (Run refuses one: its proof is not saved), so no hypothesis
// was refuted and none is recorded.
// The file is written beside the last one and renamed over it, so that a
// kill -9 leaves the previous checkpoint or the new one, whole. A resumed
// search (Options.Resume) reads it back and goes on from that level: it
// ends with the counts and the verdict of a search never stopped, having
// redone at most the levels since the checkpoint. A checkpoint of another
// search (Options.CheckpointID) or a damaged one is refused.

// ckptMagic starts a checkpoint file; ckptVersion is its layout's.
const (
	ckptMagic   = "paxoscheck-checkpoint\n"
	ckptVersion = 1
	ckptName    = "checkpoint"
)

// ErrCheckpoint: a checkpoint cannot be resumed (missing, damaged, of
// another search or layout).
var ErrCheckpoint = errors.New("checkpoint")

// ckptHeader is a checkpoint's JSON header; the binary sections follow.
type ckptHeader struct {
	Version int
	// ID is Options.CheckpointID with the explorer's own options that
	// shape the graph (ckptID).
	ID string
	// Depth is the level to expand next; Base its first state's number.
	Depth       int
	Base        uint32
	Distinct    int64
	Transitions int64
	Deadlocks   int64
	BoundDead   int64
	FirstDead   *Deadlock
	Chosen      bool
	AllLearned  bool
	// SplitAt is the depth a shard split at (-1: not yet); Split what it
	// found there.
	SplitAt int
	Split   ShardSplit
	// The sections' lengths: fingerprints, parents, frontier states.
	FPs, Parents, Frontier int
	Elapsed                time.Duration
}

// ckptID is the identity of a search for its checkpoints: the caller's,
// and the options of the explorer that change its graph or its counts.
func ckptID[I, K ~uint8, N any, M graph.Message[M], D, E any](opt *Options[I, K, N, M, D, E]) string {
	return fmt.Sprintf("%s|max-states=%d max-depth=%d shard=%d/%d@%d deadlock-is-error=%t",
		opt.CheckpointID, opt.MaxStates, opt.MaxDepth, opt.Shard, opt.Shards, opt.ShardDepth, opt.DeadlockIsError)
}

// writeCheckpoint writes the search's checkpoint before it expands cur,
// the level at depth (its first state numbered base), split being where
// a shard split (-1: not yet).
func (s *search[I, K, N, M, D, E]) writeCheckpoint(cur *frontier, depth int, base uint32, split int, elapsed time.Duration) error {
	dir := s.opt.Checkpoint
	tmp, err := os.CreateTemp(dir, ckptName+".*.tmp")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // once renamed, this removes nothing
	}()
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(tmp, h), 1<<20)
	s.mu.Lock()
	firstDead := s.firstDead
	s.mu.Unlock()
	hd := ckptHeader{Version: ckptVersion, ID: ckptID(&s.opt), Depth: depth, Base: base,
		Distinct: s.distinct.Load(), Transitions: s.transitions.Load(), Deadlocks: s.deadlocks.Load(), BoundDead: s.boundDead.Load(),
		FirstDead: firstDead, Chosen: s.chosen.Load(), AllLearned: s.allLearned.Load(),
		SplitAt: split, Split: s.shardSplit(),
		FPs: s.visited.Len(), Parents: s.parents.n, Frontier: cur.n, Elapsed: elapsed}
	js, err := json.Marshal(hd)
	if err != nil {
		return err
	}
	w.WriteString(ckptMagic)
	var b [binary.MaxVarintLen64]byte
	w.Write(b[:binary.PutUvarint(b[:], uint64(len(js)))])
	w.Write(js)
	s.visited.each(func(fp uint64) {
		binary.LittleEndian.PutUint64(b[:], fp)
		w.Write(b[:8])
	})
	for i := range s.parents.n {
		p, a := s.parents.get(uint32(i))
		binary.LittleEndian.PutUint32(b[:], p)
		b[4] = a
		w.Write(b[:5])
	}
	var cache chunkCache
	for i := range cur.n {
		enc, fp, err := cur.read(i, &cache)
		if err != nil {
			return err
		}
		binary.LittleEndian.PutUint64(b[:], fp)
		w.Write(b[:8])
		w.Write(b[:binary.PutUvarint(b[:], uint64(len(enc)))])
		w.Write(enc)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	if _, err := tmp.Write(h.Sum(nil)); err != nil {
		return fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, ckptName)); err != nil {
		return fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename, durable
		d.Close()
	}
	return nil
}

// checkpoint is a checkpoint read back.
type checkpoint struct {
	ckptHeader
	fps      []uint64
	parents  []byte // 5 bytes a state
	frontier []byte // fp (8), uvarint length, encoding; Frontier of them
}

// readCheckpoint reads and checks the checkpoint in dir for the search
// with identity id.
func readCheckpoint(dir, id string) (*checkpoint, error) {
	path := filepath.Join(dir, ckptName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: no checkpoint in %s (the search stopped before it wrote one: see --checkpoint-every)", ErrCheckpoint, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	bad := func(what string) error { return fmt.Errorf("%w: %s: %s", ErrCheckpoint, path, what) }
	if len(data) < len(ckptMagic)+sha256.Size || string(data[:len(ckptMagic)]) != ckptMagic {
		return nil, bad("not a checkpoint")
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, bad("damaged (its checksum does not match)")
	}
	rest := body[len(ckptMagic):]
	n, k := binary.Uvarint(rest)
	if k <= 0 || n > uint64(len(rest)-k) {
		return nil, bad("damaged header")
	}
	ck := &checkpoint{}
	if err := json.Unmarshal(rest[k:k+int(n)], &ck.ckptHeader); err != nil {
		return nil, bad("damaged header: " + err.Error())
	}
	switch {
	case ck.Version != ckptVersion:
		return nil, bad(fmt.Sprintf("layout version %d, this paxoscheck reads %d", ck.Version, ckptVersion))
	case ck.ID != id:
		return nil, bad(fmt.Sprintf("of another search (%s), not of this one (%s)", ck.ID, id))
	case ck.FPs < 0 || ck.Parents < 0 || ck.Frontier < 0:
		return nil, bad("damaged header")
	}
	rest = rest[k+int(n):]
	if ck.FPs > len(rest)/8 || ck.Parents > len(rest)/5 || len(rest) < 8*ck.FPs+5*ck.Parents {
		return nil, bad("truncated")
	}
	ck.fps = make([]uint64, ck.FPs)
	for i := range ck.fps {
		ck.fps[i] = binary.LittleEndian.Uint64(rest[8*i:])
	}
	rest = rest[8*ck.FPs:]
	ck.parents, ck.frontier = rest[:5*ck.Parents], rest[5*ck.Parents:]
	// The frontier's entries must parse, and end the file.
	f := ck.frontier
	for range ck.Frontier {
		if len(f) < 8 {
			return nil, bad("truncated frontier")
		}
		l, k := binary.Uvarint(f[8:])
		if k <= 0 || l > uint64(len(f)-8-k) {
			return nil, bad("truncated frontier")
		}
		f = f[8+k+int(l):]
	}
	if len(f) != 0 {
		return nil, bad("trailing bytes")
	}
	return ck, nil
}

// removeStaleTemps removes the temporary files of checkpoints that a kill
// -9 interrupted in dir.
func removeStaleTemps(dir string) {
	stale, _ := filepath.Glob(filepath.Join(dir, ckptName+".*.tmp"))
	for _, f := range stale {
		os.Remove(f)
	}
}

// restore loads ck into the new search s and returns the level to expand
// next, its states pushed into first (which spills them as the frontier
// does).
func (s *search[I, K, N, M, D, E]) restore(ck *checkpoint, first *level) {
	for _, fp := range ck.fps {
		s.visited.Insert(fp)
	}
	for i := range ck.Parents {
		s.parents.add(binary.LittleEndian.Uint32(ck.parents[5*i:]), ck.parents[5*i+4])
	}
	f := ck.frontier
	for range ck.Frontier {
		fp := binary.LittleEndian.Uint64(f)
		l, k := binary.Uvarint(f[8:])
		first.push(f[8+k:8+k+int(l)], fp, 0, 0)
		f = f[8+k+int(l):]
	}
	s.distinct.Store(ck.Distinct)
	s.transitions.Store(ck.Transitions)
	s.deadlocks.Store(ck.Deadlocks)
	s.boundDead.Store(ck.BoundDead)
	s.firstDead = ck.FirstDead
	s.chosen.Store(ck.Chosen)
	s.allLearned.Store(ck.AllLearned)
	s.split = ck.Split
	s.owned.Store(ck.Split.Owned)
	s.depth.Store(int64(ck.Depth))
	// The file's bytes are copied: let them go.
	ck.fps, ck.parents, ck.frontier = nil, nil, nil
}
