package transport

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
)

// frameSeed seeds the random payloads; it is printed by every failure
// that depends on it.
const frameSeed = 20240611

// randomPayload is n bytes from a PCG stream seeded with seed.
func randomPayload(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// mustFrame is the frame of payload.
func mustFrame(tb testing.TB, payload []byte) []byte {
	tb.Helper()
	f, err := AppendFrame(nil, payload)
	if err != nil {
		tb.Fatalf("AppendFrame(%d bytes): %v", len(payload), err)
	}
	return f
}

// rawFrame builds a frame by hand, with any version byte and a checksum
// XORed with crcXor (0: a correct checksum), so that tests can write
// frames AppendFrame refuses to.
func rawFrame(version byte, payload []byte, crcXor uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))
	b = append(b, version)
	b = append(b, payload...)
	sum := crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) ^ crcXor
	return binary.LittleEndian.AppendUint32(b, sum)
}

// header is a bare frame header claiming n payload bytes.
func header(n uint32) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, n), Version)
}

func reader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

func TestFrameLayout(t *testing.T) {
	// The layout documented in doc.go, checked byte by byte against an
	// independent CRC-32C.
	got := mustFrame(t, []byte("ab"))
	want := []byte{2, 0, 0, 0, Version, 'a', 'b'}
	want = binary.LittleEndian.AppendUint32(want, crc32.Checksum(want, crc32.MakeTable(crc32.Castagnoli)))
	if !bytes.Equal(got, want) {
		t.Fatalf("frame of %q = % x, want % x", "ab", got, want)
	}
	if !bytes.Equal(rawFrame(Version, []byte("ab"), 0), want) {
		t.Fatalf("rawFrame disagrees with the layout")
	}
}

func TestFrameRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		payloads [][]byte
	}{
		{"empty payload", [][]byte{{}}},
		{"one byte", [][]byte{{0x2a}}},
		{"100 random bytes", [][]byte{randomPayload(frameSeed, 100)}},
		{"MaxPayload bytes", [][]byte{randomPayload(frameSeed, MaxPayload)}},
		{"several frames in a stream", [][]byte{[]byte("1a"), {}, randomPayload(frameSeed, 5000), []byte("2b")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []byte("kept")
			b := append([]byte(nil), prefix...)
			for _, p := range tc.payloads {
				var err error
				if b, err = AppendFrame(b, p); err != nil {
					t.Fatalf("AppendFrame: %v", err)
				}
			}
			if !bytes.Equal(b[:len(prefix)], prefix) {
				t.Fatalf("AppendFrame changed the bytes before the frame")
			}
			r := reader(b[len(prefix):])
			for i, want := range tc.payloads {
				got, err := ReadFrame(r)
				if err != nil {
					t.Fatalf("frame %d: ReadFrame: %v (seed %d)", i, err, frameSeed)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("frame %d: payload of %d bytes differs from the %d sent (seed %d)", i, len(got), len(want), frameSeed)
				}
			}
			if _, err := ReadFrame(r); err != io.EOF {
				t.Fatalf("after the last frame: err = %v, want io.EOF", err)
			}
		})
	}
}

func TestAppendFrameTooLarge(t *testing.T) {
	b := []byte("kept")
	got, err := AppendFrame(b, make([]byte, MaxPayload+1))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if !bytes.Equal(got, b) {
		t.Fatalf("AppendFrame returned % x on error, want the input unchanged", got)
	}
}

// readAll reads frames until an error that is not Resumable, and returns
// every payload read and that final error.
func readAll(r *bufio.Reader) ([][]byte, error) {
	var out [][]byte
	for {
		p, err := ReadFrame(r)
		switch {
		case err == nil:
			out = append(out, p)
		case !Resumable(err):
			return out, err
		}
	}
}

func TestReadFrameChangedByte(t *testing.T) {
	// Every change of any one byte of a frame, whether in its length,
	// version, payload or checksum, is an error and never a payload, on
	// this frame and on whatever the reader makes of the bytes after it.
	tests := []struct {
		name    string
		payload []byte
	}{
		{"empty payload", nil},
		{"short payload", []byte("paxos 1a")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			good := mustFrame(t, tc.payload)
			for off := range good {
				for x := 1; x < 256; x++ {
					b := append([]byte(nil), good...)
					b[off] ^= byte(x)
					p, err := ReadFrame(reader(b))
					if err == nil || p != nil {
						t.Fatalf("byte %d ^ %#x: ReadFrame = %q, %v; want an error and no payload", off, x, p, err)
					}
					if !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrTooLarge) && err != io.ErrUnexpectedEOF {
						t.Fatalf("byte %d ^ %#x: err = %v, want ErrChecksum, ErrTooLarge or io.ErrUnexpectedEOF", off, x, err)
					}
					if ps, _ := readAll(reader(b)); len(ps) != 0 {
						t.Fatalf("byte %d ^ %#x: read %d payloads from a broken frame", off, x, len(ps))
					}
				}
			}
		})
	}
}

func TestReadFrameTruncated(t *testing.T) {
	tests := []struct {
		name   string
		before []byte // whole frames before the cut one
		frame  []byte
	}{
		{"empty payload", nil, rawFrame(Version, nil, 0)},
		{"short payload", nil, rawFrame(Version, []byte("paxos 2b"), 0)},
		{"second frame of a stream", rawFrame(Version, []byte("first"), 0), rawFrame(Version, []byte("second"), 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for cut := range len(tc.frame) {
				b := append(append([]byte(nil), tc.before...), tc.frame[:cut]...)
				r := reader(b)
				if len(tc.before) > 0 {
					if _, err := ReadFrame(r); err != nil {
						t.Fatalf("cut at %d: the whole frame before it: %v", cut, err)
					}
				}
				want := io.ErrUnexpectedEOF
				if cut == 0 {
					want = io.EOF
				}
				if p, err := ReadFrame(r); err != want || p != nil {
					t.Fatalf("cut at %d of %d: ReadFrame = %q, %v; want %v", cut, len(tc.frame), p, err, want)
				}
			}
		})
	}
}

func TestReadFrameResumes(t *testing.T) {
	tests := []struct {
		name    string
		bad     []byte
		wantErr error
	}{
		{"bad checksum", rawFrame(Version, []byte("corrupt"), 1), ErrChecksum},
		{"bad checksum, empty payload", rawFrame(Version, nil, 0x80000000), ErrChecksum},
		{"payload byte changed", func() []byte { b := mustFrame(t, []byte("corrupt")); b[headerLen] ^= 0x10; return b }(), ErrChecksum},
		{"unknown version", rawFrame(Version+1, []byte("from the future"), 0), ErrVersion},
		{"version zero", rawFrame(0, nil, 0), ErrVersion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			good := []byte("the next frame")
			r := reader(append(append([]byte(nil), tc.bad...), mustFrame(t, good)...))
			p, err := ReadFrame(r)
			if !errors.Is(err, tc.wantErr) || p != nil {
				t.Fatalf("bad frame: ReadFrame = %q, %v; want %v", p, err, tc.wantErr)
			}
			if !Resumable(err) {
				t.Fatalf("Resumable(%v) = false, want true", err)
			}
			if p, err := ReadFrame(r); err != nil || !bytes.Equal(p, good) {
				t.Fatalf("frame after the bad one: ReadFrame = %q, %v; want %q", p, err, good)
			}
			if _, err := ReadFrame(r); err != io.EOF {
				t.Fatalf("at the end: err = %v, want io.EOF", err)
			}
		})
	}
}

func TestReadFrameTooLarge(t *testing.T) {
	tests := []struct {
		name string
		n    uint32
	}{
		{"MaxPayload+1", MaxPayload + 1},
		{"2 GiB", 1 << 31},
		{"all ones", ^uint32(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The claimed payload follows in full: the reader must refuse
			// on the length alone.
			b := append(header(tc.n), make([]byte, 64)...)
			const rounds = 8
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range rounds {
				p, err := ReadFrame(bufio.NewReaderSize(bytes.NewReader(b), 16))
				if !errors.Is(err, ErrTooLarge) || p != nil {
					t.Fatalf("ReadFrame = %d bytes, %v; want ErrTooLarge", len(p), err)
				}
				if Resumable(err) {
					t.Fatalf("Resumable(%v) = true, want false", err)
				}
			}
			runtime.ReadMemStats(&after)
			// Allocating the claimed length even once would be at least
			// MaxPayload bytes; a few small errors are far below it.
			if d := after.TotalAlloc - before.TotalAlloc; d >= MaxPayload {
				t.Fatalf("%d rounds allocated %d bytes: the length was allocated", rounds, d)
			}
		})
	}
}

func TestResumable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"checksum", ErrChecksum, true},
		{"version", ErrVersion, true},
		{"wrapped checksum", errors.Join(errors.New("ctx"), ErrChecksum), true},
		{"too large", ErrTooLarge, false},
		{"unexpected EOF", io.ErrUnexpectedEOF, false},
		{"EOF", io.EOF, false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Resumable(tc.err); got != tc.want {
				t.Fatalf("Resumable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// FuzzReadFrame reads every frame of an arbitrary stream. ReadFrame must
// not panic; a payload it returns must re-encode to exactly the bytes it
// consumed; a Resumable error must leave the reader where the frame's
// length said the frame ends; and any other error ends the stream with a
// reason that fits it.
func FuzzReadFrame(f *testing.F) {
	good := mustFrame(f, []byte("hello, acceptor"))
	f.Add(good)
	f.Add(mustFrame(f, nil))
	f.Add(append(mustFrame(f, []byte("1a")), mustFrame(f, []byte("1b"))...))
	f.Add(good[:len(good)-1])
	f.Add(good[:3])
	f.Add(append(rawFrame(Version, []byte("bad sum"), 1), good...))
	f.Add(append(rawFrame(Version+1, []byte("v2"), 0), good...))
	f.Add(header(MaxPayload + 1))
	f.Add(header(MaxPayload))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		src := bytes.NewReader(data)
		r := bufio.NewReader(src)
		consumed := func() int { return len(data) - src.Len() - r.Buffered() }
		start := 0
		for {
			p, err := ReadFrame(r)
			end := consumed()
			switch {
			case err == nil:
				again, aerr := AppendFrame(nil, p)
				if aerr != nil {
					t.Fatalf("payload of %d bytes read at %d does not re-encode: %v", len(p), start, aerr)
				}
				if !bytes.Equal(again, data[start:end]) {
					t.Fatalf("frame at %d: re-encoded % x, consumed % x", start, again, data[start:end])
				}
			case Resumable(err):
				n := int(binary.LittleEndian.Uint32(data[start:]))
				if end-start != headerLen+n+trailerLen {
					t.Fatalf("%v at %d: consumed %d bytes, the length says %d", err, start, end-start, headerLen+n+trailerLen)
				}
			case err == io.EOF:
				if start != len(data) {
					t.Fatalf("io.EOF at %d of %d bytes", start, len(data))
				}
				return
			case err == io.ErrUnexpectedEOF:
				if rest := len(data) - start; rest >= headerLen && rest >= headerLen+int(binary.LittleEndian.Uint32(data[start:]))+trailerLen {
					t.Fatalf("io.ErrUnexpectedEOF at %d with %d bytes left, enough for the frame", start, rest)
				}
				return
			case errors.Is(err, ErrTooLarge):
				if n := binary.LittleEndian.Uint32(data[start:]); n <= MaxPayload {
					t.Fatalf("ErrTooLarge at %d for length %d", start, n)
				}
				return
			default:
				t.Fatalf("unexpected error at %d: %v", start, err)
			}
			start = end
		}
	})
}
