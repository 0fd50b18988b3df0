"""The server-rendered pages of 惠企政策: public and enterprise (:mod:`.public`), policy officers
(:mod:`.officer`) and 免申即享 batches (:mod:`.batch`)."""
