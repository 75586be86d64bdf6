// Package batonv1connect holds the generated Connect clients and handlers
// of baton's API services (scripts/genproto.sh).
package batonv1connect
