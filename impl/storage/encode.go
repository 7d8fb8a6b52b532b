package storage

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// Format constants of the file layout described in the package comment.
const (
	// Magic opens every stored state.
	Magic = "PXDS"
	// Version is the format version this code writes and reads. Version 1
	// (fixed-width fields) was never deployed; its images are refused as
	// of another version.
	Version = 2

	headerLen = len(Magic) + 1 + 4
	crcLen    = 4

	// MaxValueLen bounds len(MaxVal), so that a corrupt length can never
	// ask for a huge allocation and every saved state can be loaded.
	MaxValueLen = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Encode returns the canonical file image of d: equal states, and only
// equal states, have equal images. Its payload is paxos.Durable's own
// encoding (impl/paxos/encode.go, the one layout). It fails only when
// MaxVal is longer than MaxValueLen.
func Encode(d paxos.Durable) ([]byte, error) {
	if len(d.MaxVal) > MaxValueLen {
		return nil, fmt.Errorf("storage: MaxVal is %d bytes, at most %d supported", len(d.MaxVal), MaxValueLen)
	}
	buf := make([]byte, headerLen, headerLen+32+len(d.MaxVal)+crcLen)
	copy(buf, Magic)
	buf[len(Magic)] = Version
	buf = d.AppendBinary(buf)
	binary.LittleEndian.PutUint32(buf[len(Magic)+1:], uint32(len(buf)-headerLen))
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf, castagnoli)), nil
}

// Decode is the inverse of Encode. Any image that Encode did not produce
// is an error wrapping ErrCorrupt (or ErrVersion for an intact image of an
// unknown version); the checks run from the cheapest to the most specific,
// so the error names the first thing wrong.
func Decode(b []byte) (paxos.Durable, error) {
	var d paxos.Durable
	if len(b) < headerLen+crcLen {
		return d, fmt.Errorf("%w: %d bytes, shorter than header and checksum (%d)", ErrCorrupt, len(b), headerLen+crcLen)
	}
	if string(b[:len(Magic)]) != Magic {
		return d, fmt.Errorf("%w: bad magic %q", ErrCorrupt, b[:len(Magic)])
	}
	n := binary.LittleEndian.Uint32(b[len(Magic)+1:])
	if want := uint64(headerLen) + uint64(n) + crcLen; uint64(len(b)) != want {
		return d, fmt.Errorf("%w: %d bytes, header says %d (torn or extended write)", ErrCorrupt, len(b), want)
	}
	body, sum := b[:len(b)-crcLen], binary.LittleEndian.Uint32(b[len(b)-crcLen:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return d, fmt.Errorf("%w: checksum %#08x, stored %#08x", ErrCorrupt, got, sum)
	}
	if v := b[len(Magic)]; v != Version {
		return d, fmt.Errorf("%w: version %d, this program reads %d", ErrVersion, v, Version)
	}
	p := body[headerLen:]
	if len(p) > MaxValueLen+64 {
		return d, fmt.Errorf("%w: payload of %d bytes, more than any state of a value of at most %d bytes", ErrCorrupt, len(p), MaxValueLen)
	}
	dec := paxos.Decoder{B: p}
	d = dec.Durable()
	switch {
	case dec.Err != nil:
		return paxos.Durable{}, fmt.Errorf("%w: payload of %d bytes: %w", ErrCorrupt, len(p), dec.Err)
	case len(dec.B) != 0:
		return paxos.Durable{}, fmt.Errorf("%w: %d bytes after the state in a payload of %d", ErrCorrupt, len(dec.B), len(p))
	case string(d.AppendBinary(nil)) != string(p):
		// Overlong varints: the same state, but not Encode's image.
		return paxos.Durable{}, fmt.Errorf("%w: payload is not the canonical encoding of its state", ErrCorrupt)
	}
	return d, nil
}
