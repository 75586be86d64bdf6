// Package e2e tests baton from the outside, as users meet it: the real
// binary, a real `baton agent -dev`, and the seed scenario played through
// the CLI, the Go client and plain HTTP with JSON.
package e2e
