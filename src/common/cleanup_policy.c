/*
 * cleanup_policy.c — parsing Kafka's cleanup.policy (see cleanup_policy.h).
 * Pure functions, any thread.
 */
#include "common/cleanup_policy.h"

#include <stdio.h>
#include <string.h>

int cleanup_policy_parse(const char *value, int *policyp, char *errstr, size_t errstr_size)
{
	int policy = 0;
	const char *p = value;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ',')
			e++;
		size_t n = (size_t)(e - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == 6 && strncmp(p, "delete", 6) == 0)
			policy |= CLEANUP_POLICY_DELETE;
		else if (n == 7 && strncmp(p, "compact", 7) == 0)
			policy |= CLEANUP_POLICY_COMPACT;
		else
			policy = -1;
		if (policy < 0)
			break;
		p = *e ? e + 1 : e;
	}
	if (policy <= 0) {
		snprintf(errstr, errstr_size,
		         "cleanup.policy: \"%s\" is not a policy (accepted: delete, compact, "
		         "compact,delete)",
		         value);
		return -1;
	}
	*policyp = policy;
	return 0;
}

const char *cleanup_policy_name(int policy)
{
	switch (policy) {
	case CLEANUP_POLICY_DELETE:
		return "delete";
	case CLEANUP_POLICY_COMPACT:
		return "compact";
	default:
		return "compact,delete";
	}
}
