"""Response files for analysts: one questionnaire's responses in one borough as data (a row a
response, a column an answer), made by a worker and downloaded by the borough's engagement
officers and analysts, without the equality answers or anything that names or finds a person.
"""
