module TopModule (
  input      [7:0] in,
  output reg [2:0] pos,
  output           valid
);
  integer i;
  always @(*) begin
    pos = 3'd0;
    for (i = 0; i < 8; i = i + 1)
      if (in[i]) pos = i[2:0];
  end
  assign valid = |in;
endmodule
