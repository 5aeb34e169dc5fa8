package auth

import (
	"testing"
	"time"
)

// FuzzParse: token parsing and claim mapping never panic, and anything accepted maps to a
// consistent identity (a known role, a brand for brand managers, a creator for creators).
func FuzzParse(f *testing.F) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	valid, _ := Issue(secret, Identity{Sub: "ann", Role: "brand_manager", BrandID: "b1"}, time.Hour, time.Now())
	for _, seed := range []string{valid, "", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", valid + "x", "...."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		id, err := Parse(secret, tok)
		if err != nil {
			return
		}
		c := &Claims{Role: id.Role, BrandID: id.BrandID, CreatorID: id.CreatorID}
		c.Subject = id.Sub
		if _, err := IdentityFrom(c); err != nil {
			t.Fatalf("accepted an inconsistent identity %+v: %v", id, err)
		}
	})
}

// FuzzIdentityFrom: claim mapping never panics and never accepts an unknown role.
func FuzzIdentityFrom(f *testing.F) {
	f.Add("ann", "brand_manager", "b1", "")
	f.Add("", "admin", "", "")
	f.Add("c", "creator", "", "c1")
	f.Add("x", "root", "", "")
	f.Fuzz(func(t *testing.T, sub, role, brand, creator string) {
		c := &Claims{Role: role, BrandID: brand, CreatorID: creator}
		c.Subject = sub
		id, err := IdentityFrom(c)
		if err != nil {
			return
		}
		switch id.Role {
		case "admin", "finance":
		case "brand_manager":
			if id.BrandID == "" {
				t.Fatal("brand manager without brand accepted")
			}
		case "creator":
			if id.CreatorID == "" {
				t.Fatal("creator without creator id accepted")
			}
		default:
			t.Fatalf("unknown role %q accepted", id.Role)
		}
	})
}
