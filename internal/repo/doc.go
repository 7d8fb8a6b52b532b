// Package repo holds tests of the repository itself rather than of a
// package: the Makefile's help, what git ignores.
package repo
