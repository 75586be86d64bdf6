// Package server is the cluster API: Connect handlers for every service,
// caller authentication (Unix peer credentials, bearer tokens), the access
// check against the cluster security descriptor, and the mapping of every
// error to its Connect code and Win32 code (package wire).
//
// Every call passes one interceptor first, in this order: the handle check
// (a request pinned to another cluster answers ERROR_INVALID_HANDLE), then
// authentication and the access check (ERROR_ACCESS_DENIED) — before
// anything about the request itself is looked at. Handlers then validate
// and call package ops.
package server
