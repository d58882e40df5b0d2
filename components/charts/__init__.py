"""Pure figure builders: a DataFrame (and the language) in, a plotly Figure out. They never query
and never draw; pages pass their figures to st.plotly_chart and to the exporters."""
