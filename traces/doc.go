// Package traces is the trace format that every part of paxoscheck writes
// and reads: JSON Lines, one header line and then one line per step, as
// documented field by field in FORMAT.md. A counterexample is a trace.
//
// Read and ReadFile validate what they read and report a malformed trace
// as a *ParseError naming the line and the reason; Write and WriteFile
// refuse to write what Read would reject (Validate is the shared check).
// RenderText and RenderMermaid draw a trace as a sequence diagram (issue 2
// item 4, issue 6 item 1).
package traces
