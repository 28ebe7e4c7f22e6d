"""Curated tricky sentence-splitting cases, written for qabot, with the expected sentences."""

from __future__ import annotations

CASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "The U.S. economy grew last year. Prices rose too.",
        ("The U.S. economy grew last year.", "Prices rose too."),
    ),
    (
        "She moved to the U.S. She never came back.",
        ("She moved to the U.S.", "She never came back."),
    ),
    (
        "Dr. Reyes studies rivers. She lives in Ohio.",
        ("Dr. Reyes studies rivers.", "She lives in Ohio."),
    ),
    (
        "Mr. and Mrs. Okafor opened a bakery. It sells bread.",
        ("Mr. and Mrs. Okafor opened a bakery.", "It sells bread."),
    ),
    (
        "The vote is on Jan. 12 this year. Few expect a surprise.",
        ("The vote is on Jan. 12 this year.", "Few expect a surprise."),
    ),
    (
        "The report came out on Sept. 3. Nobody read it.",
        ("The report came out on Sept. 3.", "Nobody read it."),
    ),
    (
        "J. R. R. Tolkien wrote novels. He taught at Oxford.",
        ("J. R. R. Tolkien wrote novels.", "He taught at Oxford."),
    ),
    (
        "The letter was signed by T. S. Moore. It was short.",
        ("The letter was signed by T. S. Moore.", "It was short."),
    ),
    (
        'He said, "Stop." Then he left.',
        ('He said, "Stop."', "Then he left."),
    ),
    (
        '"We are done," she said. The room went quiet.',
        ('"We are done," she said.', "The room went quiet."),
    ),
    (
        'She asked, "Are you sure?" He nodded.',
        ('She asked, "Are you sure?"', "He nodded."),
    ),
    (
        "He paused... then went on with the story.",
        ("He paused... then went on with the story.",),
    ),
    (
        "Unemployment fell to 3.5 percent. Wages rose.",
        ("Unemployment fell to 3.5 percent.", "Wages rose."),
    ),
    (
        "The stock closed at $12.75 on Friday. Traders shrugged.",
        ("The stock closed at $12.75 on Friday.", "Traders shrugged."),
    ),
    (
        "Bring fruit, e.g. apples or pears. Do not bring glass.",
        ("Bring fruit, e.g. apples or pears.", "Do not bring glass."),
    ),
    (
        "Use a strong key, i.e. a long one. Keep it secret.",
        ("Use a strong key, i.e. a long one.", "Keep it secret."),
    ),
    (
        "She earned a Ph.D. in chemistry. Her thesis was on salts.",
        ("She earned a Ph.D. in chemistry.", "Her thesis was on salts."),
    ),
    (
        "Acme Corp. reported a loss. Its shares fell.",
        ("Acme Corp. reported a loss.", "Its shares fell."),
    ),
    (
        "He works for Pinewood Ltd. in Leeds. The firm makes chairs.",
        ("He works for Pinewood Ltd. in Leeds.", "The firm makes chairs."),
    ),
    (
        "The meeting starts at 9 a.m. on Monday. Be on time.",
        ("The meeting starts at 9 a.m. on Monday.", "Be on time."),
    ),
    (
        "Sen. Alvarez voted no. Gov. Lee signed the bill anyway.",
        ("Sen. Alvarez voted no.", "Gov. Lee signed the bill anyway."),
    ),
    (
        "The case was Smith vs. Jones. The judge ruled quickly.",
        ("The case was Smith vs. Jones.", "The judge ruled quickly."),
    ),
    (
        "They drove to Sacramento, Calif. on Tuesday. The road was clear.",
        ("They drove to Sacramento, Calif. on Tuesday.", "The road was clear."),
    ),
    (
        "The office is on Main St. near the park. It opens early.",
        ("The office is on Main St. near the park.", "It opens early."),
    ),
    (
        "Gen. Ortiz spoke first. Col. Baker spoke next.",
        ("Gen. Ortiz spoke first.", "Col. Baker spoke next."),
    ),
    (
        "Was it worth it? Nobody could say.",
        ("Was it worth it?", "Nobody could say."),
    ),
    (
        "What a day! We finally won.",
        ("What a day!", "We finally won."),
    ),
    (
        "The U.N. met in Geneva. The E.U. sent observers.",
        ("The U.N. met in Geneva.", "The E.U. sent observers."),
    ),
    (
        "Room No. 4 was empty. The guard had left.",
        ("Room No. 4 was empty.", "The guard had left."),
    ),
    (
        "Martin Luther King Jr. spoke there. Crowds gathered.",
        ("Martin Luther King Jr. spoke there.", "Crowds gathered."),
    ),
    (
        "The budget is 2.4 billion dollars. That is 10.5 percent more.",
        ("The budget is 2.4 billion dollars.", "That is 10.5 percent more."),
    ),
    (
        "He arrived in Washington, D.C. on Monday. He left Friday.",
        ("He arrived in Washington, D.C. on Monday.", "He left Friday."),
    ),
    (
        "Prices rose (see Fig. 2). Demand fell.",
        ("Prices rose (see Fig. 2).", "Demand fell."),
    ),
    (
        "The title was first.\n\nA new paragraph starts here.",
        ("The title was first.", "A new paragraph starts here."),
    ),
    (
        "Heading without a period\n\nBody text follows. It has two sentences.",
        ("Heading without a period", "Body text follows.", "It has two sentences."),
    ),
    (
        "Prof. Ng teaches physics. St. Paul is her hometown.",
        ("Prof. Ng teaches physics.", "St. Paul is her hometown."),
    ),
    (
        "The team lost 3-1. Fans were angry.",
        ("The team lost 3-1.", "Fans were angry."),
    ),
    (
        "It happened in 1999. 2000 was calmer.",
        ("It happened in 1999.", "2000 was calmer."),
    ),
    (
        "Wait for it... The lights went out.",
        ("Wait for it...", "The lights went out."),
    ),
    (
        "Apples, pears, etc. are on sale. Come early.",
        ("Apples, pears, etc. are on sale.", "Come early."),
    ),
    (
        "He lives in Austin, Tex. His sister lives in Boise.",
        ("He lives in Austin, Tex.", "His sister lives in Boise."),
    ),
    (
        "Vol. 3 of the series is out. It is long.",
        ("Vol. 3 of the series is out.", "It is long."),
    ),
    (
        "He loves art. She loves music.",
        ("He loves art.", "She loves music."),
    ),
    (
        "The deal closed with Acme Inc. The price was not disclosed.",
        ("The deal closed with Acme Inc.", "The price was not disclosed."),
    ),
)
