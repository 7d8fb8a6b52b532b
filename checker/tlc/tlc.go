// Package tlc finds TLC (tla2tools.jar) as `make tlc` does and runs it on
// a model written into a folder of its own: the spec's modules beside the
// generated ones, TLC's metadata kept in that folder; it reads what TLC
// prints (a TLA+ value, ParseValue; an error trace, Parse; a state dump,
// ParseDump), and follows logs of spec actions for trace validation
// (ValidateTraces, WriteLogs). It knows no protocol: each protocol's trace validation
// (checker/paxos/tlcvalidate, checker/multipaxos/mpvalidate) writes the
// modules and reads the states.
package tlc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// The release scripts/tlc.sh pins and caches (its TLA_VERSION and
// TLA_SHA256): a jar found in that cache is used only if it is that one.
const (
	pinnedVersion = "1.7.4"
	pinnedSHA256  = "936a262061c914694dfd669a543be24573c45d5aa0ff20a8b96b23d01e050e88"
)

// ErrNoTLC is wrapped by Find's error when there is no TLC to run: no
// java, or no jar in TLA2TOOLS_JAR or the cache.
var ErrNoTLC = errors.New("TLC not found")

// Find returns the tla2tools.jar to run: $TLA2TOOLS_JAR if set (it must
// be readable), else the pinned release in scripts/tlc.sh's cache
// (${XDG_CACHE_HOME:-~/.cache}/paxoscheck/tla2tools-1.7.4.jar, checked
// against its checksum), which `make tlc` downloads. java must be on PATH.
func Find() (string, error) {
	if _, err := exec.LookPath("java"); err != nil {
		return "", fmt.Errorf("%w: no java on PATH", ErrNoTLC)
	}
	if jar := os.Getenv("TLA2TOOLS_JAR"); jar != "" {
		f, err := os.Open(jar)
		if err != nil {
			return "", fmt.Errorf("TLA2TOOLS_JAR=%s: %w", jar, unwrapPath(err))
		}
		f.Close()
		return jar, nil
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("%w: no TLA2TOOLS_JAR and no home folder for the cache", ErrNoTLC)
		}
		cache = filepath.Join(home, ".cache")
	}
	jar := filepath.Join(cache, "paxoscheck", "tla2tools-"+pinnedVersion+".jar")
	b, err := os.ReadFile(jar)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: set TLA2TOOLS_JAR to a tla2tools.jar, or run make tlc once to download v%s into %s", ErrNoTLC, pinnedVersion, filepath.Dir(jar))
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", jar, unwrapPath(err))
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != pinnedSHA256 {
		return "", fmt.Errorf("%s: not the pinned tla2tools.jar v%s (sha256 %x); delete it and run make tlc", jar, pinnedVersion, sum)
	}
	return jar, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Model is a TLC run: modules to write (name without .tla, and text) into
// a new folder beside every module of Spec, the root module and its cfg.
type Model struct {
	// Spec holds the modules the generated ones extend (spec.Modules).
	Spec fs.FS
	// Modules are written as NAME.tla; Root names the one TLC checks and
	// Config is its cfg.
	Modules map[string]string
	Root    string
	Config  string
	// Workers is TLC's -workers (0: 1).
	Workers int
	// Args are more of TLC's options (-dump FILE, ...).
	Args []string
	// Dir, when set, is the folder to work in (kept afterwards: --keep);
	// else a temporary one, removed.
	Dir string
}

// Run runs TLC on m with jar and returns what it printed (stdout and
// stderr). An error means TLC could not run or did not finish its search:
// a parse or semantic error in a module, an exception; its text quotes
// TLC's first error line.
func Run(ctx context.Context, jar string, m Model) (string, error) {
	dir := m.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "paxoscheck-tlc-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := fs.WalkDir(m.Spec, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".tla") {
			return err
		}
		b, err := fs.ReadFile(m.Spec, p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644)
	}); err != nil {
		return "", fmt.Errorf("copying the spec: %w", err)
	}
	for name, text := range m.Modules {
		if err := os.WriteFile(filepath.Join(dir, name+".tla"), []byte(text), 0o644); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, m.Root+".cfg"), []byte(m.Config), 0o644); err != nil {
		return "", err
	}
	workers := max(m.Workers, 1)
	args := []string{"-XX:+UseParallelGC", "-cp", jar, "tlc2.TLC",
		"-workers", strconv.Itoa(workers), "-deadlock", "-metadir", filepath.Join(dir, "states")}
	args = append(append(args, m.Args...), "-config", m.Root+".cfg", m.Root+".tla")
	cmd := exec.CommandContext(ctx, "java", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := out.String()
	if ctx.Err() != nil {
		return text, ctx.Err()
	}
	if !strings.Contains(text, "Model checking completed. No error has been found.") {
		return text, fmt.Errorf("TLC did not finish: %s", firstError(text, err))
	}
	return text, nil
}

// firstError is TLC's first error line (with SANY's, for a module that
// does not parse: where and what), or the process's error.
func firstError(out string, err error) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "*** Errors:") || strings.HasPrefix(l, "***Parse Error***") {
			var what []string
			for _, m := range lines[i+1:] {
				if m = strings.TrimSpace(m); m != "" {
					what = append(what, m)
				}
				if len(what) == 2 {
					break
				}
			}
			return "the module does not parse: " + strings.Join(what, ": ")
		}
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "Error:") || strings.Contains(l, "Exception") || strings.HasPrefix(l, "***Parse Error***") {
			if i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" && !strings.HasPrefix(lines[i+1], "Error:") {
				return strings.TrimSpace(l + " " + lines[i+1])
			}
			return strings.TrimSpace(l)
		}
	}
	if err != nil {
		return err.Error()
	}
	return "no verdict in TLC's output"
}

// Version is TLC's version line ("Version 2.19 of 08 August 2024"), or
// "" if it prints none.
func Version(jar string) string {
	out, _ := exec.Command("java", "-cp", jar, "tlc2.TLC", "-h").CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		if i := strings.Index(l, "Version "); i >= 0 {
			return strings.TrimSpace(l[i:])
		}
	}
	return ""
}
