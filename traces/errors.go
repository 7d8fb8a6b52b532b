package traces

import (
	"errors"
	"fmt"
)

// ErrMalformed is matched (errors.Is) by every error about a trace that
// does not follow FORMAT.md, whether it came from Read or from Validate.
var ErrMalformed = errors.New("malformed trace")

// ParseError is a malformed trace: the file (if known), the 1-based line
// the problem is on, the step that line holds (0 for the header or when the
// line is not a step), and the reason. Its Error reads like a compiler
// message, "trace.jsonl:7: step 6: Phase2b needs a msg", so that an editor
// can jump to the line.
type ParseError struct {
	File   string
	Line   int
	Step   int
	Reason string
	// Err is the underlying error, if any (a JSON syntax error, a
	// paxos.ErrConfig, ...).
	Err error
}

// Error implements error.
func (e *ParseError) Error() string {
	loc := fmt.Sprintf("line %d", e.Line)
	if e.File != "" {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Step > 0 {
		return fmt.Sprintf("%s: step %d: %s", loc, e.Step, e.Reason)
	}
	return loc + ": " + e.Reason
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Is makes every ParseError match ErrMalformed.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }
