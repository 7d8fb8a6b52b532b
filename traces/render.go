package traces

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A Diagram is a trace as the sequence diagrams draw it, for any protocol:
// lanes (clients and nodes), one row per step, arrows for the messages and
// replies each step sent. A protocol's layer builds it from its trace
// (its diagram labels: lane names, what a step did in words, message
// labels); RenderText and RenderMermaid draw it.
type Diagram struct {
	// Summary is the first line of the text diagram.
	Summary string
	Lanes   []Lane
	Rows    []Row
	// Violation is the header's; ViolationText its closing line.
	Violation     *Violation
	ViolationText string
}

// Lane is one column: its name (C0, A0, P3) and what it is (Mermaid's
// participant description: "acceptor", "client x").
type Lane struct {
	Name, What string
}

// Mark is what a row draws at its lane.
type Mark uint8

// The marks.
const (
	MarkAct     Mark = iota // the node acts
	MarkInvoke              // a client's request: an arrow From a client lane to Lane
	MarkDrop                // the network loses a message: a crossed arrow From To
	MarkDup                 // the network copies a message: an arrow From To
	MarkCrash               // the node stops: its lifeline goes dashed
	MarkRestart             // the node comes back
)

// Row is one step.
type Row struct {
	Step int
	// Text says what happened, in words.
	Text string
	Mark Mark
	// Lane is the lane that acts; From and To the arrow of a MarkInvoke,
	// MarkDrop or MarkDup, and Label its text in Mermaid.
	Lane, From, To int
	Label          string
	// Arrows are the messages the step sent and its replies, in order.
	Arrows []Arrow
}

// Arrow is a message or a reply: from lane, to lane, its label, and (for a
// reply) whether it is one and its shorter Mermaid label.
type Arrow struct {
	From, To int
	Label    string
	Reply    bool
	Brief    string
}

// TextOptions controls RenderText.
type TextOptions struct {
	// ASCII draws with ASCII characters only, for logs and terminals
	// without box-drawing glyphs.
	ASCII bool
}

// glyphs are the characters of the text diagram.
type glyphs struct {
	life, dead, line, fromR, fromL, headR, headL, act, crash, restart, drop, dup rune
}

var (
	unicodeGlyphs = glyphs{'│', '┆', '─', '├', '┤', '►', '◄', '●', '✗', '↺', '✗', '»'}
	asciiGlyphs   = glyphs{'|', ':', '-', '+', '+', '>', '<', '*', 'X', 'R', 'x', '2'}
)

// textWriter draws rows of the text diagram.
type textWriter struct {
	d      *Diagram
	g      glyphs
	w      io.Writer
	width  int // of one lane
	prefix int // width of the step-number column
	dead   []bool
	err    error
}

func (tw *textWriter) center(l int) int { return l*tw.width + tw.width/2 }

// row returns an empty row of lifelines.
func (tw *textWriter) row() []rune {
	r := []rune(strings.Repeat(" ", len(tw.d.Lanes)*tw.width))
	for l := range tw.d.Lanes {
		c := tw.g.life
		if tw.dead[l] {
			c = tw.g.dead
		}
		r[tw.center(l)] = c
	}
	return r
}

// arrow draws from lane a to lane b, ending in head (0: the usual head).
func (tw *textWriter) arrow(r []rune, a, b int, head rune) {
	x, y := tw.center(a), tw.center(b)
	if x == y {
		r[x] = tw.g.act
		return
	}
	from, h := tw.g.fromR, tw.g.headR
	step := 1
	if y < x {
		from, h, step = tw.g.fromL, tw.g.headL, -1
	}
	if head != 0 {
		h = head
	}
	for i := x + step; i != y; i += step {
		r[i] = tw.g.line
	}
	r[x], r[y] = from, h
}

func (tw *textWriter) emit(num string, r []rune, text string) {
	if tw.err != nil {
		return
	}
	line := fmt.Sprintf("%*s %s  %s", tw.prefix, num, string(r), text)
	_, tw.err = fmt.Fprintln(tw.w, strings.TrimRight(line, " "))
}

// RenderText writes d as a sequence diagram for the terminal: one column
// per lane, one row per step with what it did, then one arrow row per
// message it sent and per client reply; drops, duplicates, crashes and
// restarts are marked, and the violated invariant, if there is one, closes
// the diagram.
func RenderText(w io.Writer, d *Diagram, opt TextOptions) error {
	tw := &textWriter{d: d, g: unicodeGlyphs, w: w, width: 5, dead: make([]bool, len(d.Lanes))}
	if opt.ASCII {
		tw.g = asciiGlyphs
	}
	for _, l := range d.Lanes {
		tw.width = max(tw.width, len(l.Name)+2)
	}
	tw.prefix = max(4, len(strconv.Itoa(len(d.Rows))))
	desc := func(s string) string {
		if opt.ASCII {
			return strings.NewReplacer("⇐", "<=", "→", "->").Replace(s)
		}
		return s
	}

	if _, err := fmt.Fprintln(w, d.Summary); err != nil {
		return err
	}
	head := []rune(strings.Repeat(" ", len(d.Lanes)*tw.width))
	for l, ln := range d.Lanes {
		copy(head[tw.center(l)-len(ln.Name)/2:], []rune(ln.Name))
	}
	tw.emit("step", head, "")
	vio := d.Violation
	if vio != nil && vio.Step == 0 {
		tw.emit("", tw.row(), "!! "+vio.Invariant+" violated in the initial state")
	}
	for i := range d.Rows {
		s := &d.Rows[i]
		r := tw.row()
		switch s.Mark {
		case MarkInvoke:
			tw.arrow(r, s.From, s.Lane, 0)
		case MarkDrop:
			tw.arrow(r, s.From, s.To, tw.g.drop)
		case MarkDup:
			tw.arrow(r, s.From, s.To, tw.g.dup)
		case MarkCrash:
			tw.dead[s.Lane] = true
			r[tw.center(s.Lane)] = tw.g.crash
		case MarkRestart:
			tw.dead[s.Lane] = false
			r[tw.center(s.Lane)] = tw.g.restart
		default:
			r[tw.center(s.Lane)] = tw.g.act
		}
		tw.emit(strconv.Itoa(s.Step), r, desc(s.Text))
		for _, a := range s.Arrows {
			r := tw.row()
			tw.arrow(r, a.From, a.To, 0)
			tw.emit("", r, a.Label)
		}
		if vio != nil && vio.Step == s.Step {
			tw.emit("", tw.row(), "!! "+vio.Invariant+" violated after this step")
		}
	}
	if tw.err != nil {
		return tw.err
	}
	if vio != nil {
		_, err := fmt.Fprintln(w, desc(d.ViolationText))
		return err
	}
	return nil
}

// mermaidEscape makes s safe inside a Mermaid message or note: Mermaid
// reads '#...;' as an entity, ';' and newlines as statement ends, and
// passes '<' '>' to HTML.
func mermaidEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '#', ';', '<', '>', '"', '\n', '\r', '%', '{', '}':
			fmt.Fprintf(&b, "#%d;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// RenderMermaid writes d as a Mermaid sequenceDiagram (which GitHub
// renders inside a ```mermaid block): a participant per lane, a note per
// step, an arrow per message sent and per client reply, a crossed arrow
// per drop, and a closing note naming the violated invariant.
func RenderMermaid(w io.Writer, d *Diagram) error {
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	for _, l := range d.Lanes {
		fmt.Fprintf(&b, "    participant %s as %s (%s)\n", l.Name, l.Name, mermaidEscape(l.What))
	}
	name := func(l int) string { return d.Lanes[l].Name }
	note := func(a, c int, text string) {
		over := name(a)
		if c >= 0 && c != a {
			over += "," + name(c)
		}
		fmt.Fprintf(&b, "    Note over %s: %s\n", over, mermaidEscape(text))
	}
	msg := func(from, to int, arrow, text string) {
		fmt.Fprintf(&b, "    %s%s%s: %s\n", name(from), arrow, name(to), mermaidEscape(text))
	}
	vio := d.Violation
	if vio != nil && vio.Step == 0 {
		note(0, len(d.Lanes)-1, d.ViolationText)
	}
	for i := range d.Rows {
		s := &d.Rows[i]
		text := strconv.Itoa(s.Step) + " " + s.Text
		switch s.Mark {
		case MarkInvoke:
			note(s.From, s.Lane, text)
			msg(s.From, s.Lane, "->>", s.Label)
		case MarkDrop:
			note(s.From, s.To, text)
			msg(s.From, s.To, "-x", s.Label)
		case MarkDup:
			note(s.From, s.To, text)
			msg(s.From, s.To, "-)", s.Label)
		default:
			note(s.Lane, -1, text)
		}
		for _, a := range s.Arrows {
			if a.Reply {
				msg(a.From, a.To, "-->>", a.Brief)
			} else {
				msg(a.From, a.To, "->>", a.Label)
			}
		}
		if vio != nil && vio.Step == s.Step && vio.Step > 0 {
			note(0, len(d.Lanes)-1, d.ViolationText)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
