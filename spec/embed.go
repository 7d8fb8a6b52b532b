// Package spec holds the TLA+ specifications as files for the tools that
// run TLC on them (trace validation writes a module that EXTENDS them into
// a folder of its own, beside copies of these).
package spec

import "embed"

// Modules are the spec's TLA+ modules (*.tla), as checked in.
//
//go:embed *.tla
var Modules embed.FS

// Configs are the models' cfgs (*.cfg), as checked in: trace validation
// of Multi-Paxos reads a bug's substitutions from its model's cfg.
//
//go:embed *.cfg
var Configs embed.FS
