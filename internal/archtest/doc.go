// Package archtest holds tests that guard the architecture and the docs:
// the public packages stay free of server code, and every package says what
// it is for.
package archtest
