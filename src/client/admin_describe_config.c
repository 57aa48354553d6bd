/*
 * admin_describe_config.c — fjord_admin_describe_topic_config(): every
 * config key of a topic with its value and where the value comes from, as
 * kafka-configs.sh --describe --all prints it.
 *
 * What: the overrides are the topic's /config/topics/<t> as the handle's
 * metadata holds it (fjord_metadata in ZooKeeper mode); every key fjord
 * knows (zkadmin_topic_config_defaults, one table shared with the checks of
 * zkadmin.c) is listed once, with the override (source TOPIC) or its broker
 * setting's built-in default (source DEFAULT); overrides of keys fjord does
 * not know follow, as stored. Nothing is written.
 * Thread: the calling app thread. Ownership: the entries are the caller's
 * (fjord_config_entries_destroy).
 */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/zkadmin.h"

static char *adc_dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void fjord_config_entries_destroy(fjord_config_entry_t *entries, int cnt)
{
	int i;

	for (i = 0; entries && i < cnt; i++) {
		free(entries[i].name);
		free(entries[i].value);
		free(entries[i].broker_key);
	}
	free(entries);
}

/* The override of key in t, or NULL. */
static const char *adc_override(const fjord_metadata_topic_t *t, const char *key)
{
	int i;

	for (i = 0; i < t->config_cnt; i++)
		if (!strcmp(t->config_names[i], key))
			return t->config_values[i];
	return NULL;
}

static int adc_known(const char *key)
{
	int i;

	for (i = 0; zkadmin_topic_config_defaults[i].key; i++)
		if (!strcmp(zkadmin_topic_config_defaults[i].key, key))
			return 1;
	return 0;
}

fjord_err_t fjord_admin_describe_topic_config(fjord_t *fj, const char *topic, int timeout_ms,
                                              fjord_config_entry_t **entriesp, int *cntp,
                                              char *errstr, size_t errstr_size)
{
	const fjord_metadata_topic_t *t = NULL;
	fjord_config_entry_t *ents = NULL;
	fjord_metadata_t *md = NULL;
	int nkeys = 0, cnt = 0, i;
	fjord_err_t err;

	fj_errstr(errstr, errstr_size, "%s", "");
	if (!fj || !topic || !entriesp || !cntp) {
		fj_errstr(errstr, errstr_size, "NULL handle, topic or result");
		return FJORD_ERR__INVALID_ARG;
	}
	*entriesp = NULL;
	*cntp = 0;
	if ((err = admin_zk_ready(fj, "describing a topic's config", errstr, errstr_size)))
		return err;
	if ((err = fjord_metadata(fj, topic, &md, timeout_ms > 0 ? timeout_ms : 1))) {
		fj_errstr(errstr, errstr_size, "cannot read the metadata of topic %s: %s", topic,
		          fjord_err2str(err));
		return err;
	}
	for (i = 0; i < md->topic_cnt; i++)
		if (!strcmp(md->topics[i].topic, topic) && !md->topics[i].err)
			t = &md->topics[i];
	if (!t) {
		fj_errstr(errstr, errstr_size, "topic %s does not exist", topic);
		err = FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		goto out;
	}
	while (zkadmin_topic_config_defaults[nkeys].key)
		nkeys++;
	ents = calloc((size_t)(nkeys + t->config_cnt + 1), sizeof(*ents));
	if (!ents)
		goto oom;
	for (i = 0; i < nkeys; i++) {
		const zkadmin_topic_default_t *d = &zkadmin_topic_config_defaults[i];
		const char *ov = adc_override(t, d->key);
		fjord_config_entry_t *e = &ents[cnt++];

		e->name = strdup(d->key);
		e->value = strdup(ov ? ov : d->value);
		e->source = ov ? FJORD_CONFIG_SOURCE_TOPIC : FJORD_CONFIG_SOURCE_DEFAULT;
		e->broker_key = adc_dup(d->broker_key);
		if (!e->name || !e->value || (d->broker_key && !e->broker_key))
			goto oom;
	}
	for (i = 0; i < t->config_cnt; i++) {
		fjord_config_entry_t *e;

		if (adc_known(t->config_names[i]))
			continue;
		e = &ents[cnt++];
		e->name = strdup(t->config_names[i]);
		e->value = strdup(t->config_values[i]);
		e->source = FJORD_CONFIG_SOURCE_TOPIC;
		if (!e->name || !e->value)
			goto oom;
	}
	*entriesp = ents;
	*cntp = cnt;
	ents = NULL;
	goto out;
oom:
	fj_errstr(errstr, errstr_size, "out of memory");
	err = FJORD_ERR__FAIL;
out:
	fjord_config_entries_destroy(ents, cnt);
	fjord_metadata_destroy(md);
	return err;
}
