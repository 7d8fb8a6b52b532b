package paxostrace

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

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

// lane is one column of the diagram: a client or a node.
type lane struct {
	name string
	role paxos.Role // 0 for a client
}

// diagram holds what both renderers need: lane names and the durable state
// each node last wrote (shown on Restart).
type diagram struct {
	t       *Trace
	cfg     paxos.Config
	lanes   []lane
	index   map[paxos.NodeID]int // node -> lane
	durable map[paxos.NodeID]paxos.Durable
}

func newDiagram(t *Trace) (*diagram, error) {
	if err := Validate(t); err != nil {
		return nil, err
	}
	cfg, _ := t.Header.Config() // validated above
	d := &diagram{t: t, cfg: cfg, index: map[paxos.NodeID]int{}, durable: map[paxos.NodeID]paxos.Durable{}}
	for _, c := range t.Header.Clients {
		d.lanes = append(d.lanes, lane{name: "C" + strconv.Itoa(int(c.ID))})
	}
	for _, id := range cfg.Nodes() {
		r, _, _ := cfg.RoleOf(id)
		d.index[id] = len(d.lanes)
		d.lanes = append(d.lanes, lane{name: nodeName(r, id), role: r})
	}
	return d, nil
}

// nodeName is A0, P3, L5: the role's initial and the node id.
func nodeName(r paxos.Role, id paxos.NodeID) string {
	return strings.ToUpper(r.String()[:1]) + strconv.Itoa(int(id))
}

func (d *diagram) name(id paxos.NodeID) string {
	if i, ok := d.index[id]; ok {
		return d.lanes[i].name
	}
	return "N" + strconv.Itoa(int(id))
}

func (d *diagram) clientLane(c paxos.ClientID) int { return int(c) }

// showValue prints v bare when it is a plain word, quoted otherwise.
func showValue(v paxos.Value) string {
	if v == paxos.None {
		return "-"
	}
	for _, r := range v {
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return strconv.Quote(string(v))
		}
	}
	return string(v)
}

// MessageLabel renders a message's contents as the diagrams show them:
// "1a b=1.0", "1b b=1.0 vbal=-", "1b b=2.0 vbal=1.0 v=x", "2a b=1.0 v=x",
// "nack b=2.1", "decided v=x".
func MessageLabel(m paxos.Message) string {
	switch m.Type {
	case paxos.Msg1a, paxos.MsgNack:
		return m.Type.String() + " b=" + m.Bal.String()
	case paxos.Msg1b:
		s := "1b b=" + m.Bal.String() + " vbal=" + m.VBal.String()
		if !m.VBal.IsZero() || m.Val != paxos.None {
			s += " v=" + showValue(m.Val)
		}
		return s
	case paxos.Msg2a, paxos.Msg2b:
		return m.Type.String() + " b=" + m.Bal.String() + " v=" + showValue(m.Val)
	case paxos.MsgDecided:
		return "decided v=" + showValue(m.Val)
	}
	return m.Type.String()
}

func msgLabel(m *Msg) string { return "#" + strconv.Itoa(m.ID) + " " + MessageLabel(m.Message) }

// durableLabel renders a durable state by the role that owns it.
func durableLabel(r paxos.Role, p paxos.Durable) string {
	if r == paxos.RoleProposer {
		return "round=" + strconv.FormatUint(uint64(p.Round), 10)
	}
	return "maxBal=" + p.MaxBal.String() + " maxVBal=" + p.MaxVBal.String() + " maxVal=" + showValue(p.MaxVal)
}

// describe is the text of a step's row: what happened, in words.
func (d *diagram) describe(s *Step) string {
	var b strings.Builder
	b.WriteString(s.Action)
	b.WriteByte(' ')
	node := d.name(s.Node)
	role, _, _ := d.cfg.RoleOf(s.Node)
	switch s.Action {
	case EvPhase1a:
		b.WriteString(node + " timeout")
	case EvInvoke:
		fmt.Fprintf(&b, "C%d→%s propose %s", *s.Client, node, showValue(s.Value))
	case EvDrop:
		fmt.Fprintf(&b, "%s %s→%s DROPPED", msgLabel(s.Msg), d.name(s.Msg.From), d.name(s.Msg.To))
	case EvDuplicate:
		fmt.Fprintf(&b, "%s %s→%s DUPLICATED as #%d", msgLabel(s.Msg), d.name(s.Msg.From), d.name(s.Msg.To), s.Sent[0].ID)
	case EvCrash:
		b.WriteString(node + " CRASHED")
		if s.Msg != nil {
			fmt.Fprintf(&b, " while handling %s from %s (before sending)", msgLabel(s.Msg), d.name(s.Msg.From))
		}
	case EvRestart:
		b.WriteString(node + " RESTARTED")
		if role != paxos.RoleLearner {
			b.WriteString(" from durable " + durableLabel(role, d.durable[s.Node]))
		}
	default:
		fmt.Fprintf(&b, "%s ⇐ %s from %s", node, msgLabel(s.Msg), d.name(s.Msg.From))
	}
	if s.Persist != nil {
		b.WriteString(" | persist " + durableLabel(role, *s.Persist))
	}
	if s.Learned != paxos.None {
		b.WriteString(" | LEARNED " + showValue(s.Learned))
	}
	if d.t.Header.TimeUnit == TimeNanos || s.Time != int64(s.Step) {
		fmt.Fprintf(&b, " | t=%d%s", s.Time, d.t.Header.TimeUnit)
	}
	return b.String()
}

// after updates what the diagram tracks once step s is drawn.
func (d *diagram) after(s *Step) {
	if s.Persist != nil {
		d.durable[s.Node] = *s.Persist
	}
}

func (d *diagram) summary() string {
	h := &d.t.Header
	plural := func(n int, w string) string {
		if n == 1 {
			return "1 " + w
		}
		return strconv.Itoa(n) + " " + w + "s"
	}
	s := fmt.Sprintf("trace: %s, %s, %s, %s; %s",
		plural(len(h.Acceptors), "acceptor"), plural(len(h.Proposers), "proposer"),
		plural(len(h.Learners), "learner"), plural(len(h.Clients), "client"), plural(len(d.t.Steps), "step"))
	if len(h.Bugs) > 0 {
		s += "; bugs " + strings.Join(h.Bugs, ",")
	}
	if h.Source != "" {
		s += "; source " + h.Source
	}
	if h.Seed != nil {
		s += "; seed " + strconv.FormatUint(*h.Seed, 10)
	}
	return s
}

func (d *diagram) violationText() string {
	v := d.t.Header.Violation
	s := fmt.Sprintf("VIOLATION: invariant %s fails after step %d", v.Invariant, v.Step)
	if v.Step == 0 {
		s = fmt.Sprintf("VIOLATION: invariant %s fails in the initial state", v.Invariant)
	}
	if v.Detail != "" {
		s += ": " + v.Detail
	}
	return s
}

// textWriter draws rows of the text diagram.
type textWriter struct {
	d      *diagram
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
	r := []rune(strings.Repeat(" ", len(tw.d.lanes)*tw.width))
	for l := range tw.d.lanes {
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

// RenderText writes t as a sequence diagram for the terminal: one column
// per client (C0..) and node (A0 acceptors, P3 proposers, L5 learners),
// one row per step with its action, then one arrow row per message it
// sent and per client reply; drops, duplicates, crashes and restarts are
// marked, and the violated invariant, if the header names one, closes the
// diagram. t is validated first: a malformed trace is an error.
func RenderText(w io.Writer, t *Trace, opt TextOptions) error {
	d, err := newDiagram(t)
	if err != nil {
		return err
	}
	tw := &textWriter{d: d, g: unicodeGlyphs, w: w, width: 5, dead: make([]bool, len(d.lanes))}
	if opt.ASCII {
		tw.g = asciiGlyphs
	}
	for _, l := range d.lanes {
		tw.width = max(tw.width, len(l.name)+2)
	}
	tw.prefix = max(4, len(strconv.Itoa(len(t.Steps))))
	desc := func(s string) string {
		if opt.ASCII {
			return strings.NewReplacer("⇐", "<=", "→", "->").Replace(s)
		}
		return s
	}

	if _, err := fmt.Fprintln(w, d.summary()); err != nil {
		return err
	}
	head := []rune(strings.Repeat(" ", len(d.lanes)*tw.width))
	for l, ln := range d.lanes {
		copy(head[tw.center(l)-len(ln.name)/2:], []rune(ln.name))
	}
	tw.emit("step", head, "")
	vio := t.Header.Violation
	if vio != nil && vio.Step == 0 {
		tw.emit("", tw.row(), "!! "+vio.Invariant+" violated in the initial state")
	}
	for i := range t.Steps {
		s := &t.Steps[i]
		num := strconv.Itoa(s.Step)
		r := tw.row()
		nl := d.index[s.Node]
		switch s.Action {
		case EvInvoke:
			tw.arrow(r, d.clientLane(*s.Client), nl, 0)
		case EvDrop:
			tw.arrow(r, d.index[s.Msg.From], d.index[s.Msg.To], tw.g.drop)
		case EvDuplicate:
			tw.arrow(r, d.index[s.Msg.From], d.index[s.Msg.To], tw.g.dup)
		case EvCrash:
			tw.dead[nl] = true
			r[tw.center(nl)] = tw.g.crash
		case EvRestart:
			tw.dead[nl] = false
			r[tw.center(nl)] = tw.g.restart
		default:
			r[tw.center(nl)] = tw.g.act
		}
		tw.emit(num, r, desc(d.describe(s)))
		if s.Action != EvDuplicate {
			for j := range s.Sent {
				m := &s.Sent[j]
				r := tw.row()
				tw.arrow(r, d.index[m.From], d.index[m.To], 0)
				tw.emit("", r, msgLabel(m))
			}
		}
		for _, rep := range s.Replies {
			r := tw.row()
			tw.arrow(r, nl, d.clientLane(rep.Client), 0)
			tw.emit("", r, fmt.Sprintf("return C%d %s", rep.Client, showValue(rep.Value)))
		}
		d.after(s)
		if vio != nil && vio.Step == s.Step {
			tw.emit("", tw.row(), "!! "+vio.Invariant+" violated after this step")
		}
	}
	if tw.err != nil {
		return tw.err
	}
	if vio != nil {
		_, err := fmt.Fprintln(w, desc(d.violationText()))
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

// RenderMermaid writes t as a Mermaid sequenceDiagram (which GitHub renders
// inside a ```mermaid block): a participant per client and node, a note per
// step, an arrow per message sent and per client reply, a crossed arrow per
// drop, and a closing note naming the violated invariant.
func RenderMermaid(w io.Writer, t *Trace) error {
	d, err := newDiagram(t)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	for i, l := range d.lanes {
		what := l.role.String()
		if l.role == 0 { // client lanes come first, in client order
			what = "client " + showValue(t.Header.Clients[i].Value)
		}
		fmt.Fprintf(&b, "    participant %s as %s (%s)\n", l.name, l.name, mermaidEscape(what))
	}
	note := func(a, c string, text string) {
		over := a
		if c != "" && c != a {
			over = a + "," + c
		}
		fmt.Fprintf(&b, "    Note over %s: %s\n", over, mermaidEscape(text))
	}
	msg := func(from, to, arrow, text string) {
		fmt.Fprintf(&b, "    %s%s%s: %s\n", from, arrow, to, mermaidEscape(text))
	}
	vio := t.Header.Violation
	all := func() (string, string) { return d.lanes[0].name, d.lanes[len(d.lanes)-1].name }
	if vio != nil && vio.Step == 0 {
		a, c := all()
		note(a, c, d.violationText())
	}
	for i := range t.Steps {
		s := &t.Steps[i]
		node := d.name(s.Node)
		text := strconv.Itoa(s.Step) + " " + d.describe(s)
		switch s.Action {
		case EvInvoke:
			c := d.lanes[d.clientLane(*s.Client)].name
			note(c, node, text)
			msg(c, node, "->>", "propose "+showValue(s.Value))
		case EvDrop:
			note(d.name(s.Msg.From), d.name(s.Msg.To), text)
			msg(d.name(s.Msg.From), d.name(s.Msg.To), "-x", "✗ "+msgLabel(s.Msg)+" dropped")
		case EvDuplicate:
			note(d.name(s.Msg.From), d.name(s.Msg.To), text)
			m := &s.Sent[0]
			msg(d.name(m.From), d.name(m.To), "-)", msgLabel(m)+" (copy of #"+strconv.Itoa(m.DupOf)+")")
		default:
			note(node, "", text)
		}
		if s.Action != EvDuplicate {
			for j := range s.Sent {
				m := &s.Sent[j]
				msg(d.name(m.From), d.name(m.To), "->>", msgLabel(m))
			}
		}
		for _, rep := range s.Replies {
			msg(node, d.lanes[d.clientLane(rep.Client)].name, "-->>", "return "+showValue(rep.Value))
		}
		d.after(s)
		if vio != nil && vio.Step == s.Step && vio.Step > 0 {
			a, c := all()
			note(a, c, d.violationText())
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}
