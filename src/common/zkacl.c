/*
 * zkacl.c — zookeeper.auth, zookeeper.set.acl and zookeeper.admin.acl: the
 * parsed policy, the four ACL vectors it hands out, and the table that
 * binds a ZooKeeper handle to the policy it authenticated with.
 *
 * Why per handle: ZooKeeper keeps a session's identity on the session, so
 * the ACL a znode should get follows from the handle that creates it. The
 * binding lets every create site ask zkacl_of(zh, path) without threading
 * the configuration through each caller, and keeps one rule for all of
 * them (docs/security.md "ZooKeeper ACLs").
 *
 * The digest id is ZooKeeper's DigestAuthenticationProvider's:
 * "<user>:" + base64(SHA-1("<user>:<password>")), computed with OpenSSL.
 *
 * Threads: a zkacl_t is immutable after zkacl_new (any thread). The
 * binding table is under one mutex; a handle is bound by the thread that
 * opened it and looked up by whichever thread creates a znode.
 */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/zkacl.h"

struct zkacl {
	char *scheme, *credentials, *user; /* NULL: no zookeeper.auth */
	int set_acl;
	char *own_id;     /* digest id of zookeeper.auth */
	char **admin_ids; /* "scheme" and "id" pairs: 2 * admin_cnt strings */
	int admin_cnt;
	struct ACL_vector v_other;     /* own all + world read */
	struct ACL_vector v_admin;     /* own all + admin ids all + world read */
	struct ACL_vector v_cgrp;      /* the same below /consumers */
	struct ACL_vector v_cgrp_root; /* /consumers itself: + world create */
	struct ACL_vector v_secret;    /* own all + admin ids all, no world: SCRAM credentials */
};

static struct Id zkacl_world = { "world", "anyone" };
static struct ACL zkacl_open_acl[] = { { 0x1f /* ZOO_PERM_ALL */, { "world", "anyone" } } };
static const struct ACL_vector zkacl_open = { 1, zkacl_open_acl };

/* The subtrees administrators share with the brokers (docs/security.md). */
static const char *const zkacl_admin_roots[] = {
	"/admin", "/config", "/brokers/topics", "/kafka-acl", "/kafka-acl-changes", NULL
};

static int zkacl_under(const char *path, const char *root)
{
	size_t len = strlen(root);
	return strncmp(path, root, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

int zkacl_digest_id(const char *user_password, char *out, size_t n)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
	const char *colon = strchr(user_password, ':');
	int r;

	if (!colon)
		return -1;
	SHA1((const unsigned char *)user_password, strlen(user_password), md);
	EVP_EncodeBlock(b64, md, SHA_DIGEST_LENGTH);
	r = snprintf(out, n, "%.*s:%s", (int)(colon - user_password), user_password, b64);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

/* "digest:<user>:<password>": user without ':', both non-empty. */
static int zkacl_parse_auth(const char *auth, char *errstr, size_t n)
{
	const char *cred, *colon;

	if (strncmp(auth, "digest:", 7) != 0) {
		const char *c = strchr(auth, ':');
		snprintf(errstr, n,
		         "zookeeper.auth: scheme \"%.*s\" is not supported: expected "
		         "digest:<user>:<password> (this ZooKeeper client has no SASL)",
		         c ? (int)(c - auth) : (int)strlen(auth), auth);
		return -1;
	}
	cred = auth + 7;
	colon = strchr(cred, ':');
	if (!colon || colon == cred || colon[1] == '\0') {
		snprintf(errstr, n,
		         "zookeeper.auth: expected digest:<user>:<password> with a non-empty "
		         "user and password");
		return -1;
	}
	return 0;
}

/* One "<scheme>:<id>" of zookeeper.admin.acl (tok is NUL-terminated and
 * trimmed). */
static int zkacl_check_id(const char *tok, char *errstr, size_t n)
{
	const char *colon = strchr(tok, ':');

	if (!colon || colon == tok || colon[1] == '\0' ||
	    (!strncmp(tok, "digest:", 7) && !strchr(colon + 1, ':'))) {
		snprintf(errstr, n,
		         "zookeeper.admin.acl: \"%s\" is not a ZooKeeper ACL id "
		         "(<scheme>:<id>, e.g. digest:admin:<base64 sha1>)",
		         tok);
		return -1;
	}
	return 0;
}

/* Splits the comma list into trimmed tokens, checking each; with za, keeps
 * them as (scheme, id) pairs. */
static int zkacl_parse_admin(zkacl_t *za, const char *list, char *errstr, size_t n)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int r = 0;

	if (!copy) {
		snprintf(errstr, n, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end = tok + strlen(tok), *colon, **ids;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*tok)
			continue;
		if ((r = zkacl_check_id(tok, errstr, n)) < 0)
			break;
		if (!za)
			continue;
		colon = strchr(tok, ':');
		ids = realloc(za->admin_ids, (size_t)(za->admin_cnt + 1) * 2 * sizeof(*ids));
		if (!ids) {
			r = -1;
			snprintf(errstr, n, "out of memory");
			break;
		}
		za->admin_ids = ids;
		ids[2 * za->admin_cnt] = strndup(tok, (size_t)(colon - tok));
		ids[2 * za->admin_cnt + 1] = strdup(colon + 1);
		za->admin_cnt++;
		if (!ids[2 * za->admin_cnt - 2] || !ids[2 * za->admin_cnt - 1]) {
			r = -1;
			snprintf(errstr, n, "out of memory");
			break;
		}
	}
	free(copy);
	return r;
}

int zkacl_check(const char *auth, int set_acl, const char *admin_acl, char *errstr, size_t n)
{
	int has_auth = auth && *auth;

	if (has_auth && zkacl_parse_auth(auth, errstr, n) < 0)
		return -1;
	if (set_acl && !has_auth) {
		snprintf(errstr, n,
		         "zookeeper.set.acl=true needs zookeeper.auth (digest:<user>:<password>): "
		         "the znodes would belong to nobody");
		return -1;
	}
	if (admin_acl && *admin_acl && zkacl_parse_admin(NULL, admin_acl, errstr, n) < 0)
		return -1;
	return 0;
}

/* Fills v with own all, then (admin) each admin id all, then world with
 * world_perms (0: no world entry). */
static int zkacl_fill(zkacl_t *za, struct ACL_vector *v, int admin, int world_perms)
{
	int cnt = 0, i;

	v->data = calloc((size_t)za->admin_cnt + 2, sizeof(*v->data));
	if (!v->data)
		return -1;
	v->data[cnt].perms = ZOO_PERM_ALL;
	v->data[cnt].id.scheme = "digest";
	v->data[cnt++].id.id = za->own_id;
	for (i = 0; admin && i < za->admin_cnt; i++) {
		const char *s = za->admin_ids[2 * i], *id = za->admin_ids[2 * i + 1];
		if (!strcmp(s, "digest") && !strcmp(id, za->own_id))
			continue; /* already there */
		v->data[cnt].perms = ZOO_PERM_ALL;
		v->data[cnt].id.scheme = za->admin_ids[2 * i];
		v->data[cnt++].id.id = za->admin_ids[2 * i + 1];
	}
	if (world_perms) {
		v->data[cnt].perms = world_perms;
		v->data[cnt++].id = zkacl_world;
	}
	v->count = cnt;
	return 0;
}

int zkacl_new(const char *auth, int set_acl, const char *admin_acl, zkacl_t **zap, char *errstr,
              size_t n)
{
	zkacl_t *za;
	const char *colon;

	*zap = NULL;
	if (zkacl_check(auth, set_acl, admin_acl, errstr, n) < 0)
		return -1;
	za = calloc(1, sizeof(*za));
	if (!za)
		goto oom;
	za->set_acl = set_acl;
	if (auth && *auth) {
		za->scheme = strdup("digest");
		za->credentials = strdup(auth + 7);
		colon = strchr(auth + 7, ':');
		za->user = strndup(auth + 7, (size_t)(colon - (auth + 7)));
		za->own_id = malloc(strlen(auth) + 64);
		if (!za->scheme || !za->credentials || !za->user || !za->own_id ||
		    zkacl_digest_id(za->credentials, za->own_id, strlen(auth) + 64) < 0)
			goto oom;
	}
	if (admin_acl && *admin_acl && zkacl_parse_admin(za, admin_acl, errstr, n) < 0) {
		zkacl_destroy(za);
		return -1;
	}
	if (set_acl && (zkacl_fill(za, &za->v_other, 0, ZOO_PERM_READ) < 0 ||
	                zkacl_fill(za, &za->v_admin, 1, ZOO_PERM_READ) < 0 ||
	                zkacl_fill(za, &za->v_cgrp, 1, ZOO_PERM_READ) < 0 ||
	                zkacl_fill(za, &za->v_cgrp_root, 1, ZOO_PERM_READ | ZOO_PERM_CREATE) < 0 ||
	                zkacl_fill(za, &za->v_secret, 1, 0) < 0))
		goto oom;
	*zap = za;
	return 0;
oom:
	zkacl_destroy(za);
	snprintf(errstr, n, "out of memory");
	return -1;
}

void zkacl_destroy(zkacl_t *za)
{
	int i;

	if (!za)
		return;
	free(za->scheme);
	free(za->credentials);
	free(za->user);
	free(za->own_id);
	for (i = 0; i < 2 * za->admin_cnt; i++)
		free(za->admin_ids[i]);
	free(za->admin_ids);
	free(za->v_other.data);
	free(za->v_admin.data);
	free(za->v_cgrp.data);
	free(za->v_cgrp_root.data);
	free(za->v_secret.data);
	free(za);
}

const char *zkacl_auth_scheme(const zkacl_t *za)
{
	return za ? za->scheme : NULL;
}

const char *zkacl_auth_credentials(const zkacl_t *za)
{
	return za ? za->credentials : NULL;
}

const char *zkacl_auth_user(const zkacl_t *za)
{
	return za && za->user ? za->user : "";
}

const struct ACL_vector *zkacl_for(const zkacl_t *za, const char *path)
{
	int i;

	if (!za || !za->set_acl)
		return &zkacl_open;
	/* SCRAM credentials: readable by the brokers and admins only (Kafka
	 * keeps them from the world too). */
	if (zkacl_under(path, "/config/users"))
		return &za->v_secret;
	for (i = 0; zkacl_admin_roots[i]; i++)
		if (zkacl_under(path, zkacl_admin_roots[i]))
			return &za->v_admin;
	if (!strcmp(path, "/consumers"))
		return &za->v_cgrp_root;
	if (zkacl_under(path, "/consumers"))
		return &za->v_cgrp;
	return &za->v_other;
}

const struct ACL_vector *zkacl_for_chroot(const zkacl_t *za)
{
	return za && za->set_acl ? &za->v_admin : &zkacl_open;
}

/* ------------------------------------------------------------ binding */

typedef struct zkacl_binding {
	const zhandle_t *zh;
	const zkacl_t *za;
} zkacl_binding_t;

static pthread_mutex_t zkacl_lock = PTHREAD_MUTEX_INITIALIZER;
static zkacl_binding_t *zkacl_bindings;
static size_t zkacl_bind_cnt, zkacl_bind_cap;

/* Under zkacl_lock. */
static void zkacl_unbind_locked(const zhandle_t *zh)
{
	size_t i;

	for (i = 0; i < zkacl_bind_cnt; i++) {
		if (zkacl_bindings[i].zh == zh) {
			zkacl_bindings[i] = zkacl_bindings[--zkacl_bind_cnt];
			break;
		}
	}
	if (zkacl_bind_cnt == 0) {
		free(zkacl_bindings);
		zkacl_bindings = NULL;
		zkacl_bind_cap = 0;
	}
}

int zkacl_bind(zhandle_t *zh, const zkacl_t *za)
{
	int r = 0;

	pthread_mutex_lock(&zkacl_lock);
	zkacl_unbind_locked(zh);
	if (!za)
		goto out;
	if (zkacl_bind_cnt == zkacl_bind_cap) {
		size_t cap = zkacl_bind_cap ? zkacl_bind_cap * 2 : 8;
		zkacl_binding_t *b = realloc(zkacl_bindings, cap * sizeof(*b));
		if (!b) {
			r = -1;
			goto out;
		}
		zkacl_bindings = b;
		zkacl_bind_cap = cap;
	}
	zkacl_bindings[zkacl_bind_cnt].zh = zh;
	zkacl_bindings[zkacl_bind_cnt++].za = za;
out:
	pthread_mutex_unlock(&zkacl_lock);
	return r;
}

void zkacl_unbind(zhandle_t *zh)
{
	pthread_mutex_lock(&zkacl_lock);
	zkacl_unbind_locked(zh);
	pthread_mutex_unlock(&zkacl_lock);
}

const struct ACL_vector *zkacl_of(zhandle_t *zh, const char *path)
{
	const zkacl_t *za = NULL;
	size_t i;

	pthread_mutex_lock(&zkacl_lock);
	for (i = 0; i < zkacl_bind_cnt; i++) {
		if (zkacl_bindings[i].zh == zh) {
			za = zkacl_bindings[i].za;
			break;
		}
	}
	pthread_mutex_unlock(&zkacl_lock);
	return zkacl_for(za, path);
}
