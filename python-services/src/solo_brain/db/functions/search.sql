-- The inbox's French full-text search, accents folded. The embedded Postgres has no `unaccent`
-- extension, so the folding is an immutable SQL function, usable in index expressions: the GIN
-- indexes of migration 0100 are built on french_search_vector(capture_search_text(...)), which
-- is why that migration requires this file (applied just before it on a new database).

-- Lower-case letters with their accents removed (Latin-1 and Latin Extended-A), typographic
-- apostrophes made plain, French ligatures spelt out: "Réunion chez Œuvre" -> "reunion chez oeuvre".
CREATE OR REPLACE FUNCTION assistant.fold_accents(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lower(replace(replace(replace(replace(replace(translate(t,
        'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſØøĐđŁłÐð’‘',
        'AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzsOoDdLlDd'''''),
        'Œ', 'OE'), 'œ', 'oe'), 'Æ', 'AE'), 'æ', 'ae'), 'ß', 'ss'))
$$;

-- The French full-text vector of a text, accents folded (the one expression the indexes use).
CREATE OR REPLACE FUNCTION assistant.french_search_vector(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('pg_catalog.french'::regconfig, assistant.fold_accents(COALESCE(t, '')))
$$;

-- The query for what a user typed: every word must match, the last ones as prefixes too, so a
-- search narrows while it is typed ("reun" finds "réunion"). NULL when nothing is a word.
CREATE OR REPLACE FUNCTION assistant.french_search_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsquery('pg_catalog.french'::regconfig, string_agg(w || ':*', ' & '))
      FROM regexp_split_to_table(assistant.fold_accents(COALESCE(q, '')), '[^a-z0-9]+') AS w
     WHERE w <> ''
$$;

-- What the inbox searches in a capture: its transcript (or typed text) and its summary.
CREATE OR REPLACE FUNCTION assistant.capture_search_text(transcript text, typed text, summary text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(transcript, '') || ' ' || COALESCE(typed, '') || ' ' || COALESCE(summary, '')
$$;

-- An index computed with these functions holds their former results once they change: rebuild
-- every index built on them (none yet on a new database, where this file runs before 0100).
DO $$
DECLARE
    ix regclass;
BEGIN
    FOR ix IN SELECT DISTINCT d.objid::regclass FROM pg_depend d
                JOIN pg_class i ON i.oid = d.objid AND i.relkind = 'i'
               WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_proc'::regclass
                 AND d.refobjid IN ('assistant.french_search_vector(text)'::regprocedure,
                                    'assistant.capture_search_text(text, text, text)'::regprocedure)
    LOOP
        EXECUTE format('REINDEX INDEX %s', ix);
    END LOOP;
END $$;
