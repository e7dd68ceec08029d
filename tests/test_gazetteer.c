/*
 * Gazetteer matching through the whole engine, on the fixture lists:
 * longest match, proclitics, the word-inside-a-word rule, capitals, gaps,
 * nested mentions, propagation.
 */
#include <jansson.h>
#include <stdlib.h>

#include "check.h"
#include "engine.h"

static struct engine *e;
static struct scratch *s;

/* Tag text; return "TYPE:text:id|TYPE:text:id|..." (nested marked +). */
static const char *tag(const char *text, int nested)
{
	static char res[2048];
	struct article a = {.id = "t", .text = (char *)text, .text_len = strlen(text)};
	struct annotate_opts o = {.nested = nested};
	struct buf out = {0};
	char err[256];
	res[0] = '\0';
	if (engine_annotate(e, s, &a, &o, &out, NULL, err, sizeof err) < 0)
		return "error";
	json_t *root = json_loadb(out.data, out.len, 0, NULL);
	buf_free(&out);
	if (!root)
		return "unparseable";
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(root, "entities"), i, x) {
		size_t l = strlen(res);
		snprintf(res + l, sizeof res - l, "%s%s%s:%s:%s", i ? "|" : "",
		    json_is_true(json_object_get(x, "nested")) ? "+" : "",
		    json_string_value(json_object_get(x, "type")),
		    json_string_value(json_object_get(x, "text")),
		    json_string_value(json_object_get(x, "entity_id")));
	}
	json_decref(root);
	return res;
}

int main(void)
{
	char err[512];
	e = engine_build(FIXTURES "/gazetteers", FIXTURES "/rules", err, sizeof err);
	if (!e) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	s = scratch_new();

	CHECK_STR(tag("زار المغرب", 0), "COUNTRY:المغرب:MA");
	/* longest match first */
	CHECK_STR(tag("في المملكة المغربية", 0), "COUNTRY:المملكة المغربية:MA");
	/* a word that contains an entry is no mention */
	CHECK_STR(tag("المشاركة المغربية", 0), "");
	/* proclitics stay outside the span */
	CHECK_STR(tag("وبالمغرب", 0), "COUNTRY:المغرب:MA");
	CHECK_STR(tag("فالمغرب", 0), "COUNTRY:المغرب:MA");
	CHECK_STR(tag("التابع للأمم المتحدة", 0), "ORGANIZATION:لأمم المتحدة:Q1065");
	CHECK_STR(tag("وللأمم المتحدة", 0), "ORGANIZATION:لأمم المتحدة:Q1065");
	/* spelling variants fold to one entry */
	CHECK_STR(tag("الامم المتحده", 0), "ORGANIZATION:الامم المتحده:Q1065");
	/* quotes stay outside */
	CHECK_STR(tag("«Maroc»", 0), "COUNTRY:Maroc:MA");
	/* capitals: a common word is not a name */
	CHECK_STR(tag("we ate turkey with us", 0), "");
	CHECK_STR(tag("Turkey and the US agreed", 0), "COUNTRY:Turkey:TR|COUNTRY:US:US");
	CHECK_STR(tag("Us", 0), "");
	CHECK_STR(tag("la Côte d’Ivoire", 0), "COUNTRY:Côte d’Ivoire:CI");
	/* letter-period abbreviations keep their last period */
	CHECK_STR(tag("the U.S. said", 0), "COUNTRY:U.S.:US");
	/* a name does not run across a sentence break */
	CHECK_STR(tag("the United. States", 0), "");
	/* nested mentions, only when asked for */
	CHECK_STR(tag("منظمة الأمم المتحدة للطفولة", 0),
	    "ORGANIZATION:منظمة الأمم المتحدة للطفولة:Q740308");
	CHECK_STR(tag("منظمة الأمم المتحدة للطفولة", 1),
	    "ORGANIZATION:منظمة الأمم المتحدة للطفولة:Q740308|+ORGANIZATION:الأمم المتحدة:Q1065");
	/* propagation: the family name alone, before and after, same id */
	CHECK_STR(tag("حموشي في فيينا. عبد اللطيف حموشي قال. ولحموشي", 0),
	    "PERSON:حموشي:nerd:person:hammouchi|PERSON:عبد اللطيف حموشي:nerd:person:hammouchi|PERSON:حموشي:nerd:person:hammouchi");
	CHECK_STR(tag("Emmanuel Macron spoke. Macron left; macron is a word.", 0),
	    "PERSON:Emmanuel Macron:Q3052772|PERSON:Macron:Q3052772");
	/* a full name found once (here by a rule) is found whole elsewhere */
	const char *r = tag("استقبل السيد كريم بناني الوفد. وقال كريم بناني إن بناني", 0);
	CHECK(strstr(r, "|PERSON:كريم بناني:nerd:person:") != NULL);
	CHECK(strstr(r, "|PERSON:بناني:nerd:person:") != NULL);
	/* ى and ي fold together, but the name علي is not the word على */
	r = tag("استقبل السيد محمد علي الوفد على الحدود", 0);
	CHECK(!strncmp(r, "PERSON:محمد علي:nerd:person:", 28) && !strchr(r, '|'));
	/* a word with tanween (an adverb) does not end a rule's name */
	r = tag("رحب السيد كريم كثيرًا بالوفد", 0);
	CHECK(!strncmp(r, "PERSON:كريم:nerd:person:", 24) && !strchr(r, '|'));
	/* ...also at the end of a match longer than sixteen bytes */
	r = tag("رحب السيد كريم بناني كثيرًا بالوفد", 0);
	CHECK(!strncmp(r, "PERSON:كريم بناني:nerd:person:", 30) && !strchr(r, '|'));
	/* an abbreviation introduced in parentheses */
	CHECK_STR(tag("the DGSN said", 0), "AGENCY:DGSN:nerd:agency:ma-dgsn");
	/* rules: found, mapped back, prefilter-gated */
	r = tag("استقبل السيد كريم بناني الوفد", 0);
	CHECK(!strncmp(r, "PERSON:كريم بناني:nerd:person:", 30));
	r = tag("the Ministry of Finance", 0); /* detected as English */
	CHECK(!strncmp(r, "AGENCY:Ministry of Finance:nerd:agency:", 39));
	CHECK_STR(tag("la Ministry of Finance et le Maroc", 0), "COUNTRY:Maroc:MA");
	CHECK_STR(tag("", 0), "");
	scratch_destroy(&s);
	engine_close(&e);
	return test_done("gazetteer");
}
