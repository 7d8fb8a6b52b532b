package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"
)

// logCodec is Multi-Paxos's durable state in a log: whole states, and
// changes made by multipaxos.Delta.
var logCodec = LogCodec[mp.Durable]{
	Codec: Codec[mp.Durable]{Append: mp.EncodeDurable, Decode: mp.DecodeDurable},
	Diff:  mp.Delta,
	Patch: mp.ApplyDelta,
}

func openLog(t *testing.T, path string) *LogStore[mp.Durable] {
	t.Helper()
	s, err := OpenLog(path, logCodec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// durables are a growing acceptor: promises, votes in new slots, a vote
// replaced, and (a state no change can reach) a vote gone.
func durables() []mp.Durable {
	b := func(r uint32, p uint8) mp.Ballot { return mp.Ballot{Round: r, Proposer: p} }
	cmd := func(seq uint32) mp.Command {
		return mp.Command{Op: mp.OpPut, Client: 1, Seq: seq, Key: "k", Val: "v"}
	}
	v := func(s mp.Slot, bal mp.Ballot, c mp.Command) mp.SlotVote {
		return mp.SlotVote{Slot: s, Vote: mp.Vote{Bal: bal, Cmd: c}}
	}
	return []mp.Durable{
		{MaxBal: b(1, 0)},
		{MaxBal: b(1, 0), Votes: []mp.SlotVote{v(1, b(1, 0), cmd(1))}},
		{MaxBal: b(1, 0), Votes: []mp.SlotVote{v(1, b(1, 0), cmd(1)), v(2, b(1, 0), cmd(2))}},
		{MaxBal: b(2, 1), Votes: []mp.SlotVote{v(1, b(1, 0), cmd(1)), v(2, b(2, 1), cmd(3))}},
		{MaxBal: b(2, 1), Votes: []mp.SlotVote{v(2, b(2, 1), cmd(3))}},
		{MaxBal: b(3, 0), Votes: []mp.SlotVote{v(2, b(2, 1), cmd(3)), v(3, b(3, 0), cmd(4))}},
	}
}

// TestLogRoundTrip: after each Save a new store on the file (the next
// process) loads exactly that state.
func TestLogRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	s := openLog(t, path)
	if d, err := s.Load(); err != nil || !d.Equal(mp.Durable{}) {
		t.Fatalf("a missing log loads %+v, %v", d, err)
	}
	for i, d := range durables() {
		if err := s.Save(d); err != nil {
			t.Fatal(err)
		}
		got, err := openLog(t, path).Load()
		if err != nil || !got.Equal(d) {
			t.Fatalf("after save %d: loads %+v, %v; want %+v", i, got, err, d)
		}
	}
}

// TestLogProperty: any sequence of states, saved one after the other by
// stores that each go on from the file, loads back as the last one.
func TestLogProperty(t *testing.T) {
	dir := t.TempDir()
	n := 0
	rapid.Check(t, func(t *rapid.T) {
		n++
		path := filepath.Join(dir, fmt.Sprint("state", n))
		var want mp.Durable
		s, err := OpenLog(path, logCodec)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rapid.IntRange(1, 30).Draw(t, "saves") {
			want = genLogDurable().Draw(t, "d")
			if err := s.Save(want); err != nil {
				t.Fatal(err)
			}
			if rapid.Bool().Draw(t, "reopen") {
				s.Close()
				if s, err = OpenLog(path, logCodec); err != nil {
					t.Fatal(err)
				}
				if got, err := s.Load(); err != nil || !got.Equal(want) {
					t.Fatalf("save %d, reopened: %+v, %v; want %+v", i, got, err, want)
				}
			}
		}
		s.Close()
		next, err := OpenLog(path, logCodec)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := next.Load(); err != nil || !got.Equal(want) {
			t.Fatalf("loads %+v, %v; want %+v", got, err, want)
		}
		os.Remove(path)
	})
}

// genLogDurable draws an acceptor's state: a promise and votes in a few
// slots, so that successive draws share, change and lose votes.
func genLogDurable() *rapid.Generator[mp.Durable] {
	return rapid.Custom(func(t *rapid.T) mp.Durable {
		d := mp.Durable{MaxBal: mp.Ballot{Round: rapid.Uint32Range(0, 3).Draw(t, "r"), Proposer: 1}}
		for s := mp.Slot(1); s <= 4; s++ {
			if rapid.Bool().Draw(t, "voted") {
				d.Votes = append(d.Votes, mp.SlotVote{Slot: s, Vote: mp.Vote{Bal: mp.Ballot{Round: rapid.Uint32Range(0, 2).Draw(t, "b")},
					Cmd: mp.Command{Op: mp.OpPut, Client: 1, Seq: uint32(s), Key: "k", Val: rapid.StringMatching(`[a-c]`).Draw(t, "v")}}})
			}
		}
		return d
	})
}

// TestLogTornTail: a last record cut short at any byte, or damaged inside,
// is an append that never returned: the log loads the state before it,
// and the next Save cuts it off and is loaded back. A damaged record with
// records after it is corrupt.
func TestLogTornTail(t *testing.T) {
	ds := durables()
	path := filepath.Join(t.TempDir(), "state")
	s := openLog(t, path)
	for _, d := range ds[:3] {
		if err := s.Save(d); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	whole, _ := os.ReadFile(path)
	// The log before its last record: the same saves but the last.
	s2 := openLog(t, path+"2")
	for _, d := range ds[:2] {
		s2.Save(d)
	}
	s2.Close()
	before, _ := os.ReadFile(path + "2")
	for cut := len(before); cut < len(whole); cut++ {
		if err := os.WriteFile(path, whole[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		l := openLog(t, path)
		got, err := l.Load()
		if err != nil || !got.Equal(ds[1]) {
			t.Fatalf("cut at %d of %d: loads %+v, %v; want %+v", cut, len(whole), got, err, ds[1])
		}
		if err := l.Save(ds[3]); err != nil {
			t.Fatal(err)
		}
		if got, err := openLog(t, path).Load(); err != nil || !got.Equal(ds[3]) {
			t.Fatalf("cut at %d, saved again: loads %+v, %v; want %+v", cut, got, err, ds[3])
		}
	}
	for i := len(before); i < len(whole); i++ {
		b := append([]byte(nil), whole...)
		b[i] ^= 0x40
		os.WriteFile(path, b, 0o644)
		if got, err := openLog(t, path).Load(); err != nil || !got.Equal(ds[1]) {
			t.Fatalf("last record's byte %d flipped: loads %+v, %v; want the state before it", i, got, err)
		}
	}
	lengths := 0 // flips that read as a torn tail
	for i := logHeaderLen; i < len(before); i++ {
		b := append([]byte(nil), whole...)
		b[i] ^= 0x40
		os.WriteFile(path, b, 0o644)
		got, err := openLog(t, path).Load()
		switch {
		case errors.Is(err, ErrCorrupt):
		case err == nil && got.Equal(ds[0]):
			// A record's length raised past the end of the file reads
			// as a torn tail, which a log cannot tell from one; the
			// node's trace can (daemon: a store that lost a durable
			// write is refused).
			lengths++
		default:
			t.Fatalf("byte %d flipped, records after it: %+v, %v; want ErrCorrupt", i, got, err)
		}
	}
	if lengths > 4 {
		t.Errorf("%d flips read as a torn tail; only a record's 4 length bytes may", lengths)
	}
}

// TestLogRefuses: files that did not come from a LogStore.
func TestLogRefuses(t *testing.T) {
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"empty":               {},
		"a header only":       []byte("PXLG\x01"),
		"a file store's file": []byte("PXDS\x02\x00\x00\x00\x00\x00\x00\x00\x00"),
		"first record torn":   []byte("PXLG\x01\x09\x00\x00\x00\x00\x01"),
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, b, 0o644)
		if _, err := openLog(t, path).Load(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	path := filepath.Join(dir, "v9")
	os.WriteFile(path, []byte("PXLG\x09"), 0o644)
	if _, err := openLog(t, path).Load(); !errors.Is(err, ErrVersion) {
		t.Errorf("version 9: %v, want ErrVersion", err)
	}
}

// TestLogCompacts: a log of many changes is rewritten whole, so that its
// file stays within a few times its state.
func TestLogCompacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	s := openLog(t, path)
	s.NoSync = true // 20,000 fsyncs would only take time
	d := mp.Durable{MaxBal: mp.Ballot{Round: 1}}
	for i := range 20000 {
		// A promise that moves each time: a change of a few bytes.
		d.MaxBal.Round = uint32(i + 1)
		if err := s.Save(d); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := os.Stat(path)
	if st.Size() > 2<<20 {
		t.Errorf("the log is %d bytes for a state of a few", st.Size())
	}
	if got, err := openLog(t, path).Load(); err != nil || !got.Equal(d) {
		t.Fatalf("loads %+v, %v; want %+v", got, err, d)
	}
}

// TestLogLossy: with Lossy, a Save that does not sync is lost to the next
// process, and the next synced Save writes it; one that syncs is kept.
func TestLogLossy(t *testing.T) {
	ds := durables()
	path := filepath.Join(t.TempDir(), "state")
	s := openLog(t, path)
	if err := s.Save(ds[0]); err != nil {
		t.Fatal(err)
	}
	s.Lossy, s.NoSync = true, true
	if err := s.Save(ds[1]); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Load(); !got.Equal(ds[1]) {
		t.Fatalf("the saving store loads %+v, want %+v", got, ds[1])
	}
	if got, _ := openLog(t, path).Load(); !got.Equal(ds[0]) {
		t.Fatalf("after a kill -9: %+v, want the synced %+v", got, ds[0])
	}
	s.NoSync = false
	if err := s.Save(ds[2]); err != nil {
		t.Fatal(err)
	}
	if got, _ := openLog(t, path).Load(); !got.Equal(ds[2]) {
		t.Fatalf("after a synced save: %+v, want %+v", got, ds[2])
	}
}

// boltStore is the durable state in bbolt, as DESIGN.md proposes, for
// BenchmarkAcceptorVote only: the promise under one key and each vote
// under its slot's, and a Save one transaction that writes the keys that
// changed (bbolt syncs at every commit).
type boltStore struct {
	db   *bolt.DB
	last mp.Durable
}

func openBolt(path string) (*boltStore, error) {
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		return nil, err
	}
	return &boltStore{db: db}, nil
}

func (s *boltStore) Load() (mp.Durable, error) { return s.last, nil }
func (s *boltStore) Close() error              { return s.db.Close() }
func (s *boltStore) Save(d mp.Durable) error {
	change, ok := mp.Delta(s.last, d)
	if !ok {
		change = d
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte("acceptor"))
		if err != nil {
			return err
		}
		if err := bk.Put([]byte("promise"), mp.EncodeDurable(mp.Durable{MaxBal: d.MaxBal, Round: d.Round}, nil)); err != nil {
			return err
		}
		for _, v := range change.Votes {
			key := binary.BigEndian.AppendUint64(nil, uint64(v.Slot))
			if err := bk.Put(key, mp.EncodeDurable(mp.Durable{Votes: []mp.SlotVote{v}}, nil)); err != nil {
				return err
			}
		}
		return nil
	})
	s.last = d
	return err
}

// BenchmarkAcceptorVote is one vote of an acceptor whose log holds 5,000
// votes already, saved by each store side by side: a FileStore rewrites
// the whole log, a LogStore appends the new vote, bbolt (boltStore)
// commits a transaction that puts it.
func BenchmarkAcceptorVote(b *testing.B) {
	d := mp.Durable{MaxBal: mp.Ballot{Round: 1}}
	vote := func(s mp.Slot) mp.SlotVote {
		return mp.SlotVote{Slot: s, Vote: mp.Vote{Bal: d.MaxBal, Cmd: mp.Command{Op: mp.OpPut, Client: 1, Seq: uint32(s), Key: "key", Val: "value"}}}
	}
	for s := mp.Slot(1); s <= 5000; s++ {
		d.Votes = append(d.Votes, vote(s))
	}
	for _, kind := range []string{"file", "log", "bbolt"} {
		b.Run(kind, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "state")
			var s Store[mp.Durable]
			switch kind {
			case "file":
				s, _ = OpenFile(path, logCodec.Codec)
			case "log":
				s, _ = OpenLog(path, logCodec)
			default:
				bs, err := openBolt(path)
				if err != nil {
					b.Fatal(err)
				}
				defer bs.Close()
				s = bs
			}
			x := d
			if err := s.Save(x); err != nil {
				b.Fatal(err)
			}
			for i := 0; b.Loop(); i++ {
				// A new state each time, as the core makes: copy on write.
				x.Votes = append(append([]mp.SlotVote(nil), x.Votes...), vote(5001+mp.Slot(i)))
				if err := s.Save(x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
