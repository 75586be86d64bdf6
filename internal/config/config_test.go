package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := Defaults()
	ok.Dev = true
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults with -dev: %v", err)
	}
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"bad name", func(c *Config) { c.Name = "a/b" }, "--name"},
		{"no data dir without dev", func(c *Config) { c.Dev = false }, "--data-dir"},
		{"bad http addr", func(c *Config) { c.HTTPAddr = "7410" }, "--http-addr"},
		{"same etcd ports", func(c *Config) { c.EtcdPeerAddr = c.EtcdClientAddr }, "must differ"},
		{"bad log format", func(c *Config) { c.LogFormat = "xml" }, "--log-format"},
		{"fractional lease", func(c *Config) { c.LeaseTTL = 1500 * time.Millisecond }, "whole seconds"},
		{"renew too slow for the lease", func(c *Config) { c.RenewInterval = 1500 * time.Millisecond }, "--lease-renew-interval"},
		{"fencing after the lease ends", func(c *Config) { c.FenceMargin = 3 * time.Second }, "--fence-margin"},
		// The default margin (600 ms) is shorter than any watchdog timeout.
		{"a watchdog that resets after the lease could expire", func(c *Config) { c.Watchdog = "/dev/watchdog" }, "--watchdog-timeout"},
		{"a fractional watchdog timeout", func(c *Config) {
			c.Watchdog, c.WatchdogTimeout, c.LeaseTTL, c.FenceMargin = "/dev/watchdog", 1500*time.Millisecond, 4*time.Second, 2*time.Second
		}, "--watchdog-timeout"},
	}
	for _, tc := range cases {
		c := ok
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want mention of %q", tc.name, err, tc.want)
		}
	}
}
