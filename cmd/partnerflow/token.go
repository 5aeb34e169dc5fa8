package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/devdata"
)

// runToken prints a signed bearer token, with the server's secret: PARTNERFLOW_JWT_SECRET, or
// the dev data dir's secret when --data-dir is given.
func runToken(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", "", "brand_manager | creator | finance | admin")
	sub := fs.String("sub", "", "the subject (user id)")
	brand := fs.String("brand", "", "brand id (brand managers)")
	creator := fs.String("creator", "", "creator id (creators)")
	ttl := fs.Duration("ttl", time.Hour, "validity")
	dataDir := fs.String("data-dir", "", "use the secret of the dev stack on this data dir")
	if err := fs.Parse(args); err != nil {
		return err
	}
	secret := os.Getenv("PARTNERFLOW_JWT_SECRET")
	if *dataDir != "" {
		s, err := devdata.LoadSecrets(*dataDir)
		if err != nil {
			return err
		}
		secret = s.JWTSecret
	}
	if secret == "" {
		return errors.New("no secret: set PARTNERFLOW_JWT_SECRET or pass --data-dir of a dev stack")
	}
	if *ttl <= 0 || *ttl > 30*24*time.Hour {
		return errors.New("--ttl must be between 1s and 720h")
	}
	tok, err := auth.Issue([]byte(secret), auth.Identity{Sub: *sub, Role: *role, BrandID: *brand, CreatorID: *creator}, *ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
