package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"pgregory.net/rapid"
)

var states = []struct {
	name string
	d    paxos.Durable
}{
	{"zero", paxos.Durable{}},
	{"promise only", paxos.Durable{MaxBal: paxos.Ballot{Round: 3, Proposer: 1}}},
	{"promise and vote", paxos.Durable{MaxBal: paxos.Ballot{Round: 4, Proposer: 0}, MaxVBal: paxos.Ballot{Round: 2, Proposer: 1}, MaxVal: "x"}},
	{"proposer round", paxos.Durable{Round: 7}},
	{"max fields", paxos.Durable{
		MaxBal:  paxos.Ballot{Round: ^uint32(0), Proposer: 255},
		MaxVBal: paxos.Ballot{Round: ^uint32(0), Proposer: 255},
		MaxVal:  paxos.Value(strings.Repeat("v", 300)),
		Round:   ^uint32(0),
	}},
	{"binary value", paxos.Durable{MaxVBal: paxos.Ballot{Round: 1}, MaxVal: "\x00\xff\n\"PXDS"}},
}

// stores returns a fresh store of each kind.
// codec is single-decree Paxos's durable state as the file store's payload.
var codec = Codec[paxos.Durable]{Append: paxos.Durable.AppendBinary, Decode: paxos.DecodeDurable}

func stores(t *testing.T) map[string]Store[paxos.Durable] {
	t.Helper()
	fs, err := OpenFile(filepath.Join(t.TempDir(), "state"), codec)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Store[paxos.Durable]{"mem": NewMemStore[paxos.Durable](), "file": fs}
}

func TestRoundTrip(t *testing.T) {
	for kind, s := range stores(t) {
		for _, tc := range states {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				if err := s.Save(tc.d); err != nil {
					t.Fatalf("Save: %v", err)
				}
				got, err := s.Load()
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if got != tc.d {
					t.Fatalf("Load = %+v, saved %+v", got, tc.d)
				}
			})
		}
	}
}

func TestEmptyStoreIsZeroState(t *testing.T) {
	for kind, s := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			got, err := s.Load()
			if err != nil || got != (paxos.Durable{}) {
				t.Fatalf("Load of a fresh store = %+v, %v; want zero state, nil", got, err)
			}
		})
	}
}

func TestClosed(t *testing.T) {
	for kind, s := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Save(paxos.Durable{Round: 1}); !errors.Is(err, ErrClosed) {
				t.Errorf("Save after Close = %v, want ErrClosed", err)
			}
			if _, err := s.Load(); !errors.Is(err, ErrClosed) {
				t.Errorf("Load after Close = %v, want ErrClosed", err)
			}
		})
	}
}

func genBallot() *rapid.Generator[paxos.Ballot] {
	return rapid.Custom(func(t *rapid.T) paxos.Ballot {
		return paxos.Ballot{Round: rapid.Uint32().Draw(t, "round"), Proposer: rapid.Uint8().Draw(t, "proposer")}
	})
}

func genDurable() *rapid.Generator[paxos.Durable] {
	return rapid.Custom(func(t *rapid.T) paxos.Durable {
		return paxos.Durable{
			MaxBal:  genBallot().Draw(t, "maxBal"),
			MaxVBal: genBallot().Draw(t, "maxVBal"),
			MaxVal:  paxos.Value(rapid.StringN(0, 64, -1).Draw(t, "maxVal")),
			Round:   rapid.Uint32().Draw(t, "round"),
		}
	})
}

// TestRoundTripProperty: every state saved is the state loaded, for both
// stores, and after any sequence of saves the last one wins.
func TestRoundTripProperty(t *testing.T) {
	dir := t.TempDir()
	i := 0
	rapid.Check(t, func(t *rapid.T) {
		i++
		fs, err := OpenFile(filepath.Join(dir, "s"+strings.Repeat("x", i%3)), codec)
		if err != nil {
			t.Fatal(err)
		}
		ss := []Store[paxos.Durable]{NewMemStore[paxos.Durable](), fs}
		seq := rapid.SliceOfN(genDurable(), 1, 4).Draw(t, "saves")
		for _, s := range ss {
			for _, d := range seq {
				if err := s.Save(d); err != nil {
					t.Fatalf("Save(%+v): %v", d, err)
				}
			}
			got, err := s.Load()
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if want := seq[len(seq)-1]; got != want {
				t.Fatalf("%T: Load = %+v, last saved %+v", s, got, want)
			}
		}
	})
}

// TestDecodeCanonical: Decode accepts only images that Encode produces, so
// that a state has exactly one encoding and a decoded image re-encodes to
// itself.
func TestDecodeCanonical(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var b []byte
		if rapid.Bool().Draw(t, "mutate") {
			img, err := Encode(codec, genDurable().Draw(t, "d"))
			if err != nil {
				t.Fatal(err)
			}
			// Change a few bytes of a valid image; most such images are
			// corrupt, and the ones that decode must still be canonical.
			for _, k := range rapid.SliceOfN(rapid.IntRange(0, len(img)-1), 0, 3).Draw(t, "at") {
				img[k] = rapid.Byte().Draw(t, "byte")
			}
			b = img
		} else {
			b = rapid.SliceOfN(rapid.Byte(), 0, 40).Draw(t, "raw")
		}
		d, err := Decode(codec, b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("Decode error %v wraps neither ErrCorrupt nor ErrVersion", err)
			}
			return
		}
		again, err := Encode(codec, d)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("Decode(%x) = %+v, which encodes to %x (%v)", b, d, again, err)
		}
	})
}

// saveAll saves every state in a fresh file store and returns it with the
// file's final image.
func saveAll(t *testing.T, ds ...paxos.Durable) (*FileStore[paxos.Durable], []byte) {
	t.Helper()
	s, err := OpenFile(filepath.Join(t.TempDir(), "state"), codec)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if err := s.Save(d); err != nil {
			t.Fatal(err)
		}
	}
	img, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	return s, img
}

// TestTruncationAtEveryOffset: a target file cut short at any byte offset
// (a torn write under the file system) never loads as any state: with
// write-temp-rename the target is only ever replaced whole, so a shorter
// file is corrupt and must be reported, not read as empty or older.
func TestTruncationAtEveryOffset(t *testing.T) {
	written := []paxos.Durable{states[2].d, states[4].d, states[5].d}
	s, img := saveAll(t, written...)
	for off := 0; off < len(img); off++ {
		if err := os.WriteFile(s.Path(), img[:off], 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := s.Load()
		if err == nil {
			t.Fatalf("truncated to %d of %d bytes: Load = %+v, nil; want an error", off, len(img), got)
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d bytes: error %v does not wrap ErrCorrupt", off, err)
		}
		if got != (paxos.Durable{}) {
			t.Fatalf("truncated to %d bytes: error came with a state %+v", off, got)
		}
	}
	// Extending the file is as wrong as cutting it.
	if err := os.WriteFile(s.Path(), append(img, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("extended by one byte: Load error %v, want ErrCorrupt", err)
	}
	// The intact image still loads: the checks above are not vacuous.
	if err := os.WriteFile(s.Path(), img, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(); err != nil || got != written[len(written)-1] {
		t.Fatalf("intact image: Load = %+v, %v; want %+v", got, err, written[len(written)-1])
	}
}

// TestFlippedByteAtEveryOffset: changing any one byte of a stored image, by
// any of several masks, is an error (CRC-32C catches every burst of up to
// 32 bits; the magic and the length are checked first).
func TestFlippedByteAtEveryOffset(t *testing.T) {
	for _, tc := range states {
		t.Run(tc.name, func(t *testing.T) {
			s, img := saveAll(t, tc.d)
			for off := range img {
				for _, mask := range []byte{0x01, 0x80, 0xff, 0x5a} {
					bad := bytes.Clone(img)
					bad[off] ^= mask
					if err := os.WriteFile(s.Path(), bad, 0o644); err != nil {
						t.Fatal(err)
					}
					got, err := s.Load()
					if !errors.Is(err, ErrCorrupt) {
						t.Fatalf("byte %d ^ %#02x: Load = %+v, %v; want ErrCorrupt", off, mask, got, err)
					}
				}
			}
		})
	}
}

// TestCrashThenReopen simulates crashes around Save and checks that a
// reopened store (what a restarted process sees) returns the last state
// whose Save returned.
func TestCrashThenReopen(t *testing.T) {
	d1 := states[2].d
	d2 := paxos.Durable{MaxBal: paxos.Ballot{Round: 9, Proposer: 1}, MaxVBal: paxos.Ballot{Round: 9, Proposer: 1}, MaxVal: "y"}
	img2, err := Encode(codec, d2)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		// crash leaves the directory as a crash during Save(d2) would.
		crash func(t *testing.T, path string)
		want  paxos.Durable
	}{
		{"after Save returned", func(t *testing.T, path string) {
			s, err := OpenFile(path, codec)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Save(d2); err != nil {
				t.Fatal(err)
			}
			// The process dies without Close.
		}, d2},
		{"before temp file written", func(*testing.T, string) {}, d1},
		{"temp file written partly", func(t *testing.T, path string) {
			if err := os.WriteFile(path+TempSuffix, img2[:len(img2)/2], 0o644); err != nil {
				t.Fatal(err)
			}
		}, d1},
		{"temp file complete, not renamed", func(t *testing.T, path string) {
			if err := os.WriteFile(path+TempSuffix, img2, 0o644); err != nil {
				t.Fatal(err)
			}
		}, d1},
		{"renamed", func(t *testing.T, path string) {
			if err := os.WriteFile(path+TempSuffix, img2, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+TempSuffix, path); err != nil {
				t.Fatal(err)
			}
		}, d2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := saveAll(t, d1)
			tc.crash(t, s.Path())
			re, err := OpenFile(s.Path(), codec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := re.Load()
			if err != nil || got != tc.want {
				t.Fatalf("after crash: Load = %+v, %v; want %+v", got, err, tc.want)
			}
			// A Save after the crash overwrites any leftover temp file
			// and wins.
			if err := re.Save(d2); err != nil {
				t.Fatal(err)
			}
			if got, err := re.Load(); err != nil || got != d2 {
				t.Fatalf("Save after crash: Load = %+v, %v; want %+v", got, err, d2)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	good, err := Encode(codec, states[2].d)
	if err != nil {
		t.Fatal(err)
	}
	// body is good without its checksum; reseal appends a correct
	// checksum, as a program writing some other format would.
	body := good[:len(good)-4]
	reseal := func(b []byte) []byte {
		return binary.LittleEndian.AppendUint32(bytes.Clone(b), crc32.Checksum(b, castagnoli))
	}
	v3 := bytes.Clone(body)
	v3[4] = 3
	v1 := bytes.Clone(body)
	v1[4] = 1
	// image frames a payload p as Encode would, with a valid checksum.
	image := func(p ...byte) []byte {
		b := append([]byte{'P', 'X', 'D', 'S', Version}, binary.LittleEndian.AppendUint32(nil, uint32(len(p)))...)
		return reseal(append(b, p...))
	}
	cases := []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"empty file", nil, ErrCorrupt, "shorter than header"},
		{"bad magic", append([]byte("XXXX"), good[4:]...), ErrCorrupt, "bad magic"},
		{"truncated", good[:len(good)-1], ErrCorrupt, "header says"},
		{"checksum", append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^1), ErrCorrupt, "checksum"},
		{"future version", reseal(v3), ErrVersion, "version 3"},
		{"version 1, never deployed", reseal(v1), ErrVersion, "version 1"},
		{"short payload", image(7), ErrCorrupt, "payload of 1 bytes"},
		{"value length mismatch", image(0, 0, 0, 0, 9, 'x', 0), ErrCorrupt, "truncated value"},
		{"bytes after the state", image(0, 0, 0, 0, 0, 0, 5), ErrCorrupt, "1 bytes after the state"},
		{"overlong varint", image(0x80, 0, 0, 0, 0, 0, 0), ErrCorrupt, "not the canonical encoding"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(codec, tc.in)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Decode error = %v; want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
}

func TestEncodeTooLong(t *testing.T) {
	if _, err := Encode(codec, paxos.Durable{MaxVal: paxos.Value(strings.Repeat("x", MaxStateLen))}); err == nil {
		t.Fatal("Encode of an oversized value succeeded")
	}
	s, err := OpenFile(filepath.Join(t.TempDir(), "state"), codec)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(paxos.Durable{MaxVal: paxos.Value(strings.Repeat("x", MaxStateLen))}); err == nil {
		t.Fatal("Save of an oversized value succeeded")
	}
}

func TestOpenFileErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, path string }{
		{"missing directory", filepath.Join(dir, "nope", "state")},
		{"path is a directory", dir},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := OpenFile(tc.path, codec); err == nil {
				t.Fatalf("OpenFile(%q) succeeded", tc.path)
			}
		})
	}
}

func BenchmarkFileSave(b *testing.B) {
	s, err := OpenFile(filepath.Join(b.TempDir(), "state"), codec)
	if err != nil {
		b.Fatal(err)
	}
	d := states[2].d
	for i := 0; b.Loop(); i++ {
		d.MaxBal.Round = uint32(i)
		if err := s.Save(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFsync is the disk's own limit: one small write and one fsync
// of the same file, the least a log that fsyncs every write pays. A
// FileStore's Save (BenchmarkFileSave) fsyncs twice (the file, then the
// directory of the rename); a cluster's group commit shares one Save
// among the steps that wait together.
func BenchmarkFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "log"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rec := make([]byte, 64)
	for b.Loop() {
		if _, err := f.Write(rec); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFileLoad(b *testing.B) {
	s, err := OpenFile(filepath.Join(b.TempDir(), "state"), codec)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Save(states[2].d); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMemSaveLoad(b *testing.B) {
	s := NewMemStore[paxos.Durable]()
	d := states[2].d
	for i := 0; b.Loop(); i++ {
		d.MaxBal.Round = uint32(i)
		if err := s.Save(d); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeDecode(b *testing.B) {
	d := states[2].d
	for b.Loop() {
		img, err := Encode(codec, d)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Decode(codec, img); err != nil {
			b.Fatal(err)
		}
	}
}
