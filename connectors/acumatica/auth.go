package acumatica

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// authTypes are the labels an auth block may have.
var authTypes = []string{AuthBasic, AuthOAuth2}

func setUsername(c *Config, v cty.Value) (string, string) {
	if v.AsString() == "" {
		return "Empty username", "Set username to the Acumatica user the " +
			"source signs in as."
	}
	c.Auth.Username = v.AsString()
	return "", ""
}

func setPassword(c *Config, v cty.Value) (string, string) {
	if v.AsString() == "" {
		return "Empty password", "Set password to the user's password, " +
			"for example password = env(\"ACU_PASSWORD\")."
	}
	c.Auth.Password = Secret(v.AsString())
	return "", ""
}

// clientIDPattern is GUID@Tenant, the form of Acumatica's client IDs.
var clientIDPattern = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-` +
	`[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}@[^@/?#]*[^@/?#\s]$`)

func setClientID(c *Config, v cty.Value) (string, string) {
	s := strings.TrimSpace(v.AsString())
	if !clientIDPattern.MatchString(s) {
		return "Invalid client ID", "Copy client_id from the Connected " +
			"Applications form (SM303010): a GUID, @ and the tenant, like " +
			"88358B02-A48D-A50E-F710-39C1636C30F6@Company."
	}
	c.Auth.ClientID = s
	return "", ""
}

func setClientSecret(c *Config, v cty.Value) (string, string) {
	if v.AsString() == "" {
		return "Empty client secret", "Set client_secret to the shared " +
			"secret of the connected application, for example " +
			"client_secret = encrypted(\"syncctl:v1:...\")."
	}
	c.Auth.ClientSecret = Secret(v.AsString())
	return "", ""
}

func setGrant(c *Config, v cty.Value) (string, string) {
	switch g := v.AsString(); g {
	case GrantAuthorizationCode, GrantPassword:
		c.Auth.Grant = g
		return "", ""
	}
	return "Invalid grant", fmt.Sprintf("The grant %q is not supported; "+
		"use \"authorization_code\" or \"password\" (Acumatica does not "+
		"offer client_credentials).", v.AsString())
}

// httpURL checks an absolute http(s) URL without credentials.
func httpURL(s, name string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") ||
		u.Host == "" {
		return fmt.Sprintf("%s must be an absolute http:// or https:// URL.",
			name), false
	}
	if u.User != nil {
		return fmt.Sprintf("Remove the user name and password from %s.",
			name), false
	}
	return "", true
}

func setCallbackURL(c *Config, v cty.Value) (string, string) {
	s := v.AsString()
	if detail, ok := httpURL(s, "callback_url"); !ok {
		return "Invalid callback URL", detail + " Use the redirect URI " +
			"registered for the connected application, such as " +
			DefaultCallbackURL + "."
	}
	c.Auth.CallbackURL = s
	return "", ""
}

func setAuthorizationURL(c *Config, v cty.Value) (string, string) {
	if detail, ok := httpURL(v.AsString(), "authorization_url"); !ok {
		return "Invalid authorization URL", detail + " Leave it out to " +
			"use the instance's /identity/connect/authorize."
	}
	c.Auth.AuthorizationURL = v.AsString()
	return "", ""
}

func setTokenURL(c *Config, v cty.Value) (string, string) {
	if detail, ok := httpURL(v.AsString(), "token_url"); !ok {
		return "Invalid token URL", detail + " Leave it out to use the " +
			"instance's /identity/connect/token."
	}
	c.Auth.TokenURL = v.AsString()
	return "", ""
}

func setScope(c *Config, v cty.Value) (string, string) {
	scopes := strings.Fields(v.AsString())
	if len(scopes) == 0 {
		return "Empty scope", fmt.Sprintf("Set scope to the scopes to ask "+
			"for, separated by spaces, or leave it out for %q.", DefaultScope)
	}
	c.Auth.Scopes = scopes
	return "", ""
}

func setTokenFile(c *Config, v cty.Value) (string, string) {
	if strings.TrimSpace(v.AsString()) == "" {
		return "Empty token file", "Set token_file to the path of a file " +
			"that keeps tokens between runs, or leave it out for the default."
	}
	c.Auth.TokenFile = v.AsString()
	return "", ""
}

// checkAuth checks what involves several attributes of the auth block
// and completes it with derived defaults. known tells whether an
// attribute's value was known, so that offline validation stays quiet
// about values it cannot see.
func checkAuth(c *Config, auth cty.Value, r *ranges, known func(string) bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if u, err := url.Parse(c.URL); err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning,
			Summary: "Credentials over plain http",
			Detail: fmt.Sprintf("The url uses http:// for %s, so the "+
				"password or token travels unencrypted. Use https:// "+
				"unless the instance runs on this machine.", u.Hostname()),
			Subject: r.attr("url")})
	}
	a := &c.Auth
	if a.Type != AuthOAuth2 {
		return diags
	}
	base := strings.TrimRight(c.URL, "/")
	if a.AuthorizationURL == "" && base != "" {
		a.AuthorizationURL = base + "/identity/connect/authorize"
	}
	if a.TokenURL == "" && base != "" {
		a.TokenURL = base + "/identity/connect/token"
	}
	set := func(name string) bool {
		return auth.Type().HasAttribute(name) && !auth.GetAttr(name).IsNull()
	}
	switch a.Grant {
	case GrantPassword:
		var unset []string
		for _, name := range []string{"username", "password"} {
			if !set(name) {
				unset = append(unset, name)
			}
		}
		if len(unset) > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Missing " + strings.Join(unset, " and "),
				Detail: "The password grant signs in as an Acumatica " +
					"user: set username and password in the auth " +
					"\"oauth2\" block.",
				Subject: r.orBlock("auth.oauth2.grant", "auth", AuthOAuth2)})
		}
	case GrantAuthorizationCode:
		for _, name := range []string{"username", "password"} {
			if set(name) {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
					Summary: "Username and password need the password grant",
					Detail: "With the authorization-code grant the user " +
						"signs in through a browser. Remove " + name +
						", or set grant = \"password\".",
					Subject: r.name("auth.oauth2." + name)})
			}
		}
	}
	if a.ClientID != "" && c.TenantName != "" && known("tenant") {
		_, t, _ := strings.Cut(a.ClientID, "@")
		if !strings.EqualFold(t, c.TenantName) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning,
				Summary: "Client ID of another tenant",
				Detail: fmt.Sprintf("The client ID is registered in tenant "+
					"%q, but the source reads tenant %q, and Acumatica "+
					"limits tokens to the application's tenant. Use the "+
					"client ID registered in tenant %q.",
					t, c.TenantName, c.TenantName),
				Subject: r.attr("auth.oauth2.client_id")})
		}
	}
	if len(a.Scopes) > 0 && !contains(a.Scopes, "api") {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning,
			Summary: "Scope without api",
			Detail: "Acumatica's OData interfaces need the api scope; add " +
				"it to scope.",
			Subject: r.attr("auth.oauth2.scope")})
	}
	return diags
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
