-- The country (Cloudflare's cf.country) of each user's last sign-in, for the
-- sign-in risk assessment (issue 10, section 7): a sign-in from another
-- country than the last one is a risk signal. NULL until the next sign-in.
ALTER TABLE users ADD COLUMN last_country TEXT;
