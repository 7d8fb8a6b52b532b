package traces

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// MaxLineBytes bounds one line of a trace. Lines are read with a
// bufio.Reader, so long lines (a step with many messages, a long value) are
// fine; the bound only keeps a corrupt file from exhausting memory.
var MaxLineBytes = 16 << 20

// Read reads and validates a whole trace of format f (FORMAT.md). A
// malformed trace is a *ParseError carrying the line number and the
// reason; Read never panics on any input.
func Read[H, S any](f Format[H, S], r io.Reader) (Trace[H, S], error) {
	return read(f, r, "")
}

// ReadFile reads and validates the trace in file path; errors name the
// file.
func ReadFile[H, S any](f Format[H, S], path string) (Trace[H, S], error) {
	fl, err := os.Open(path)
	if err != nil {
		return Trace[H, S]{}, err
	}
	defer fl.Close()
	return read(f, fl, path)
}

func read[H, S any](f Format[H, S], r io.Reader, file string) (Trace[H, S], error) {
	br := bufio.NewReaderSize(r, 64<<10)
	v := validator[H, S]{f: f, file: file}
	var t Trace[H, S]
	for line := 1; ; line++ {
		b, err := readLine(br, MaxLineBytes)
		if errors.Is(err, errLineTooLong) {
			return t, v.errf(line, 0, err, "line longer than %d bytes", MaxLineBytes)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return t, v.errf(line, 0, err, "read error: %v", err)
		}
		if err != nil && len(b) == 0 { // clean end of input
			if line == 1 {
				return t, v.errf(1, 0, nil, "empty file: want a header line")
			}
			if pe := v.finish(); pe != nil {
				return t, pe
			}
			return t, nil
		}
		if len(bytes.TrimSpace(b)) == 0 {
			if line == 1 {
				return t, v.errf(1, 0, nil, "empty line where the header should be")
			}
			return t, v.errf(line, 0, nil, "empty line (a trace has no blank lines)")
		}
		if line == 1 && bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
			return t, v.errf(1, 0, nil, "the file starts with a UTF-8 byte order mark: save it as UTF-8 without one")
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return t, v.errf(line, stepNumber(b), err, "bad JSON: %s", jsonError(err))
		}
		if raw == nil {
			return t, v.errf(line, 0, nil, "bad JSON: null, want an object")
		}
		if line == 1 {
			if pe := v.preHeader(raw); pe != nil {
				return t, pe
			}
			if k, _ := checkKeys(b, f.HeaderKeys()); k != "" {
				return t, v.errf(1, 0, nil, "header has no %q field", k)
			}
			if err := strict(b, &t.Header); err != nil {
				return t, v.errf(1, 0, err, "bad header: %s", jsonError(err))
			}
			if pe := v.header(&t.Header); pe != nil {
				return t, pe
			}
			continue
		}
		n := stepNumber(b)
		if k, _ := checkKeys(b, f.StepKeys()); k != "" {
			return t, v.errf(line, n, nil, "step has no %q field", k)
		}
		var s S
		if err := strict(b, &s); err != nil {
			return t, v.errf(line, n, err, "bad step: %s", jsonError(err))
		}
		if pe := v.step(line, &s); pe != nil {
			return t, pe
		}
		t.Steps = append(t.Steps, s)
	}
}

// preHeader checks format and version before anything else, so that a
// trace of another format or version says so rather than tripping on a
// field this reader does not know.
func (v *validator[H, S]) preHeader(raw map[string]json.RawMessage) *ParseError {
	var f string
	if b, ok := raw["format"]; !ok || json.Unmarshal(b, &f) != nil || f != FormatName {
		return v.errf(1, 0, nil, "not a %s: header format is %s, want %q", FormatName, orMissing(raw["format"]), FormatName)
	}
	var ver int
	var verText string
	if b, ok := raw["version"]; ok && json.Unmarshal(b, &verText) == nil {
		return v.errf(1, 0, nil, "header field \"version\" is the string %s: want the number %d", b, Version)
	}
	if b, ok := raw["version"]; !ok || json.Unmarshal(b, &ver) != nil || ver != Version {
		return v.errf(1, 0, nil, "unsupported version %s (this reader reads version %d)", orMissing(raw["version"]), Version)
	}
	var name string
	want, wantVer := v.f.Protocol()
	if b, ok := raw["protocol"]; ok && (json.Unmarshal(b, &name) != nil || name != want) {
		return v.errf(1, 0, nil, "a trace of protocol %s: this reader reads %q traces", orMissing(b), want)
	}
	if _, ok := raw["protocol"]; !ok {
		return v.errf(1, 0, nil, "the header names no protocol (a trace of before protocol versions): this reader reads %q version %d", want, wantVer)
	}
	if _, named := raw["protocol"]; named {
		if _, ok := raw["protocol_version"]; !ok {
			return v.errf(1, 0, nil, "header has no %q field (a protocol's traces name its version)", "protocol_version")
		}
	}
	if b, ok := raw["protocol_version"]; ok && (json.Unmarshal(b, &ver) != nil || ver != wantVer) {
		return v.errf(1, 0, nil, "a trace of %s version %s: this reader reads version %d", want, orMissing(b), wantVer)
	}
	return nil
}

func orMissing(b json.RawMessage) string {
	if b == nil {
		return "missing"
	}
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// stepNumber extracts "step" from a line for error messages, or 0.
func stepNumber(b []byte) int {
	var s struct {
		Step int `json:"step"`
	}
	if json.Unmarshal(b, &s) != nil || s.Step < 0 {
		return 0
	}
	return s.Step
}

// strict decodes one JSON object, rejecting fields FORMAT.md does not
// define (a typo must not pass silently as a missing optional field).
func strict(b []byte, x any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(x)
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its newline; at the end of input
// it returns what is left (maybe nothing) and io.EOF.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > max+1 {
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == nil {
			return line[:len(line)-1], nil
		}
		return line, err
	}
}

// Validate checks t as Read would check the same trace written to a file;
// line numbers in the error are those the file would have.
func Validate[H, S any](f Format[H, S], t *Trace[H, S]) error {
	v := validator[H, S]{f: f}
	if pe := v.header(&t.Header); pe != nil {
		return pe
	}
	for i := range t.Steps {
		if pe := v.step(i+2, &t.Steps[i]); pe != nil {
			return pe
		}
	}
	if pe := v.finish(); pe != nil {
		return pe
	}
	return nil
}

// Write validates t and writes it as JSON Lines: the header, then one line
// per step. It never writes a trace that Read would reject.
func Write[H, S any](f Format[H, S], w io.Writer, t Trace[H, S]) error {
	if err := Validate(f, &t); err != nil {
		return fmt.Errorf("traces: refusing to write: %w", err)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw) // Encode ends each value with '\n'
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&t.Header); err != nil {
		return err
	}
	for i := range t.Steps {
		if err := enc.Encode(&t.Steps[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteFile writes t to path atomically: to a temporary file in the same
// directory, synced, then renamed over path, so that a reader never sees
// half a trace.
func WriteFile[H, S any](format Format[H, S], path string, t Trace[H, S]) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = Write(format, f, t); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// ProtocolOf returns the protocol that the header of the trace in r names
// ("" when the first line names none or is not a header at all): what a
// tool reads to pick the protocol's layer before reading the trace with
// it. A trace it cannot place is the tool's to hand to a layer that will
// refuse it with a line number (the CLI's fallback entry).
func ProtocolOf(r io.Reader) string {
	b, err := readLine(bufio.NewReaderSize(r, 64<<10), MaxLineBytes)
	if err != nil && (!errors.Is(err, io.EOF) || len(b) == 0) {
		return ""
	}
	var h struct {
		Protocol string `json:"protocol"`
	}
	if json.Unmarshal(b, &h) != nil {
		return ""
	}
	return h.Protocol
}

// ProtocolOfFile is ProtocolOf of the file at path ("" when it cannot be
// read: the reader that follows says why).
func ProtocolOfFile(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	return ProtocolOf(f)
}
