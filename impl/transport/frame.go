package transport

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Version is the frame format written here and the only one read.
const Version = 1

// MaxPayload bounds a frame's payload, so that a corrupt length cannot
// make a reader allocate without limit. A Multi-Paxos 1b with a long log
// is the largest message; 4 MiB is far above it.
const MaxPayload = 4 << 20

// headerLen and trailerLen are the bytes around a payload.
const (
	headerLen  = 5
	trailerLen = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors of ReadFrame. ErrChecksum and ErrVersion leave the reader at the
// next frame (the frame is dropped); ErrTooLarge does not (the stream is
// lost and must be closed).
var (
	ErrChecksum = errors.New("transport: frame checksum mismatch")
	ErrVersion  = errors.New("transport: unsupported frame version")
	ErrTooLarge = errors.New("transport: frame length over the limit")
)

// AppendFrame appends the frame of payload to b. A payload longer than
// MaxPayload is an error: no reader would take it.
func AppendFrame(b, payload []byte) ([]byte, error) {
	if len(payload) > MaxPayload {
		return b, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(payload), MaxPayload)
	}
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	b = append(b, Version)
	b = append(b, payload...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli)), nil
}

// ReadFrame reads one frame from r and returns its payload (a fresh
// slice). At a clean end of stream it returns io.EOF; a stream cut inside
// a frame is io.ErrUnexpectedEOF. A frame with a bad checksum or version
// returns ErrChecksum or ErrVersion, and r is left at the next frame; a
// length over MaxPayload returns ErrTooLarge, after which r must not be
// read again.
func ReadFrame(r *bufio.Reader) ([]byte, error) {
	var h [headerLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(h[:4])
	if n > MaxPayload {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, n, MaxPayload)
	}
	body := make([]byte, int(n)+trailerLen)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	payload, sum := body[:n], binary.LittleEndian.Uint32(body[n:])
	crc := crc32.Update(crc32.Checksum(h[:], castagnoli), castagnoli, payload)
	if crc != sum {
		return nil, fmt.Errorf("%w: %d-byte frame", ErrChecksum, n)
	}
	if h[4] != Version {
		return nil, fmt.Errorf("%w %d (this reader knows %d)", ErrVersion, h[4], Version)
	}
	return payload, nil
}

// Resumable reports whether a reader that got err from ReadFrame is
// where the frame's length said the frame ends. That is the next frame's
// boundary only if the length was good: for ErrVersion it was (the
// checksum held), for ErrChecksum it may not have been (see the package
// doc: the transport closes the connection then).
func Resumable(err error) bool {
	return errors.Is(err, ErrChecksum) || errors.Is(err, ErrVersion)
}
