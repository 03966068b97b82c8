"""PolicyDesk in the browser: `streamlit run app.py` (or `policydesk app`). Routing only."""

import streamlit as st

st.set_page_config(page_title="PolicyDesk", page_icon=":material/menu_book:", layout="wide")

pages = st.navigation(
    [
        st.Page("pages_ui/search.py", title="Search", icon=":material/search:", default=True),
        st.Page("pages_ui/coverage.py", title="Coverage", icon=":material/fact_check:"),
        st.Page("pages_ui/library.py", title="Library", icon=":material/library_books:"),
        st.Page("pages_ui/insights.py", title="Insights", icon=":material/insights:"),
        st.Page("pages_ui/review.py", title="Review", icon=":material/verified:"),
    ]
)
pages.run()
