-- Ids: "cap_", "dlv_", "prm_", ... + a ULID (26 Crockford base32 characters: a 48-bit
-- millisecond timestamp, then 80 bits).
--
-- Monotonic: the 80 bits start with a 40-bit counter taken from assistant.ulid_seq, so ids made
-- one after the other sort in the order they were made, even within one millisecond and from
-- different sessions (concurrent ones sort in the order they took the counter). The last 40
-- bits are random. The counter wraps after 2^40 ids.
CREATE OR REPLACE FUNCTION assistant.new_ulid(at timestamptz DEFAULT clock_timestamp())
RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    ms bigint := floor(extract(epoch FROM at) * 1000);
    counter bigint := nextval('assistant.ulid_seq') & ((1::bigint << 40) - 1);
    random_bytes bytea := uuid_send(gen_random_uuid());
    noise bigint := 0;
    out text := '';
    i int;
BEGIN
    FOR i IN 0..4 LOOP
        noise := (noise << 8) | get_byte(random_bytes, i);
    END LOOP;
    FOR i IN REVERSE 9..0 LOOP
        out := out || substr(alphabet, ((ms >> (i * 5)) & 31)::int + 1, 1);
    END LOOP;
    FOR i IN REVERSE 7..0 LOOP
        out := out || substr(alphabet, ((counter >> (i * 5)) & 31)::int + 1, 1);
    END LOOP;
    FOR i IN REVERSE 7..0 LOOP
        out := out || substr(alphabet, ((noise >> (i * 5)) & 31)::int + 1, 1);
    END LOOP;
    RETURN out;
END $$;
